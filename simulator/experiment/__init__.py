"""Experiments: replications with common random numbers, executors, and their results."""

from simulator.experiment.errors import ExperimentError
from simulator.experiment.executors import EXECUTORS, Executor, get_executor
from simulator.experiment.result import PolicyResult, RunResult
from simulator.experiment.runner import Progress, run_experiment

__all__ = [
    "EXECUTORS",
    "Executor",
    "ExperimentError",
    "PolicyResult",
    "Progress",
    "RunResult",
    "get_executor",
    "run_experiment",
]
