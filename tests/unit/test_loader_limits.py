"""The loader's limits: control characters, nesting, file size and kind, what extends: may
read and what its messages may show (regressions of the red-team pass, issue 14)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.scenario import ScenarioError, load_scenario, yaml_lines
from simulator.scenario.yaml_lines import MAX_DEPTH, parse_yaml


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """A read that blocks (a FIFO) fails the test instead of hanging the suite."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def timeout(signum: int, frame: object) -> None:
        raise TimeoutError("the loader blocked")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def messages(path: Path | str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return [str(p) for p in info.value.problems]


GOOD = """\
name: t
horizon_days: 10
products:
  w:
    price: 1
    demand: {rate_per_day: 1}
    replenishment: {policy: base_stock, level: 2}
suppliers:
  a: {lead_time_days: 1}
policies:
  - name: p
"""


@pytest.mark.parametrize(
    ("char", "code"), [("\x01", "0001"), ("\x00", "0000"), ("\x7f", "007F"), ("\ufffe", "FFFE")]
)
def test_control_characters_are_reported_with_line_and_column(
    tmp_path: Path, char: str, code: str
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(GOOD.replace("name: t", f"name: t{char}x"), encoding="utf-8")
    assert messages(path) == [f"{path}:1:8: control character U+{code} not allowed"]


def test_tab_carriage_return_and_nel_are_not_control_characters() -> None:
    assert parse_yaml("a: 'x\ty'\r\nb: 1\n", "f").problems == []


@pytest.mark.parametrize("deep", ["[" * 3000 + "]" * 3000, "[" * 70 + "]" * 70])
def test_deep_flow_nesting_is_refused_in_one_line(deep: str) -> None:
    doc = parse_yaml(f"name: x\ndeep: {deep}\n", "f.yaml")
    assert [str(p) for p in doc.problems] == [
        f"f.yaml:2: nested too deeply (at most {MAX_DEPTH} levels of mappings and lists)"
    ]


def test_deep_block_nesting_is_refused_in_one_line() -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(2000)) + "  " * 2000 + "v: 1\n"
    doc = parse_yaml(text, "f.yaml")
    assert len(doc.problems) == 1
    assert "nested too deeply" in str(doc.problems[0])


def test_nesting_within_the_limit_is_read() -> None:
    text = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    assert parse_yaml(text, "f").problems == []


@pytest.mark.parametrize("leaf", ["text", "1", "[text]", "'1'"])
def test_a_value_one_level_too_deep_is_refused(leaf: str) -> None:
    """The limit counts the scalar at the bottom too (the reader takes plain strings in
    place, with the same check): a value at depth MAX_DEPTH is read, one deeper is not."""
    inner = 1 if leaf.startswith("[") else 0  # the list's item is one level below it

    def nested(levels: int) -> str:
        return "{a: " * levels + leaf + "}" * levels

    assert parse_yaml(nested(MAX_DEPTH - inner), "f").problems == []
    problems = parse_yaml(nested(MAX_DEPTH + 1 - inner), "f").problems
    assert [p.message for p in problems] == [yaml_lines.TOO_DEEP]


def test_alias_bombs_are_still_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    doc = parse_yaml("\n".join(lines) + "\n", "bomb.yaml")
    assert any("aliases expand to more than" in str(p) for p in doc.problems)


def test_a_file_larger_than_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yaml_lines, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.yaml"
    path.write_text(GOOD)
    assert messages(path) == [f"{path}: the file is too large: at most 0 MiB is read, got 0.0 MiB"]


def child(tmp_path: Path, target: str) -> Path:
    path = tmp_path / "child.yaml"
    path.write_text(f"extends: {target}\nname: child\n")
    return path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_extends_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    path = child(tmp_path, "pipe")
    assert messages(path) == [
        f"{path}:1: extends: 'pipe' is a named pipe (FIFO), not a regular file"
    ]


@pytest.mark.parametrize(
    ("target", "tree"), [("/dev/zero", "/dev"), ("/proc/self/environ", "/proc")]
)
def test_extends_a_device_or_proc_file_is_refused(tmp_path: Path, target: str, tree: str) -> None:
    if not os.path.exists(target):
        pytest.skip(f"no {target} here")
    path = child(tmp_path, target)
    assert messages(path) == [
        f"{path}:1: extends: '{target}' is a system file under {tree}, not a scenario file"
    ]


def test_extends_a_symlink_to_a_device_is_refused(tmp_path: Path) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    (tmp_path / "innocent.yaml").symlink_to("/dev/zero")
    path = child(tmp_path, "innocent.yaml")
    assert messages(path) == [
        f"{path}:1: extends: 'innocent.yaml' is a system file under /dev, not a scenario file"
    ]


def test_extends_a_file_too_large_is_refused_at_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import simulator.scenario.yaml_lines as yaml_lines

    monkeypatch.setattr(yaml_lines, "MAX_FILE_BYTES", 100)
    (tmp_path / "big.yaml").write_text("name: big\n" + "# padding\n" * 20)
    path = child(tmp_path, "big.yaml")
    [line] = messages(path)
    assert line.startswith(f"{path}:1: extends: 'big.yaml' the file is too large: at most")


def test_the_read_still_refuses_what_the_check_ahead_missed(tmp_path: Path) -> None:
    """The check ahead of ``extends:`` is a courtesy (it names the key); the read itself
    refuses a FIFO on its own, so one swapped in after the check still cannot block."""
    from simulator.scenario.yaml_lines import read_yaml_file

    os.mkfifo(tmp_path / "pipe")
    doc = read_yaml_file(tmp_path / "pipe", "pipe", regular_only=True)
    assert [str(p) for p in doc.problems] == ["pipe: is a named pipe (FIFO), not a regular file"]


SECRET = "hunter2-secret-value"


@pytest.mark.parametrize(
    "content",
    [
        f"root:x:0:0:{SECRET}:/root:/bin/bash\n",  # a password-file line: a plain string
        f"- {SECRET}\n- two\n",  # a list
        f"name: {SECRET}\nhorizon_days: {SECRET}\nprice: {SECRET}\n",  # keys with bad values
        f"name: x\nhorizon_days: !!int {SECRET}\n",  # a malformed tagged value
        f"key: [unclosed {SECRET}\n",  # a syntax error
    ],
)
def test_extends_messages_never_echo_the_other_file(tmp_path: Path, content: str) -> None:
    (tmp_path / "other.txt").write_text(content)
    found = messages(child(tmp_path, "other.txt"))
    assert found
    assert not any(SECRET in line for line in found), found


def test_the_named_file_still_shows_its_own_values(tmp_path: Path) -> None:
    path = tmp_path / "own.yaml"
    path.write_text(GOOD.replace("price: 1", "price: cheap"))
    assert messages(path) == [f'{path}:5: products.w.price: must be a number >= 0, got "cheap"']


def test_many_duplicate_keys_and_merges_load(tmp_path: Path) -> None:
    """Duplicates and merge keys cost time in proportion to the file (they used to cost a
    pass over every line each): 5,000 products sharing defaults through ``<<``, and 5,000
    duplicate keys, are read at once."""
    products = "".join(
        f"  p{i}:\n    <<: *defaults\n    demand: {{rate_per_day: 1}}\n" for i in range(5000)
    )
    text = GOOD.replace(
        "products:\n", "defaults: &defaults {price: 1}\nproducts:\n" + products
    ).replace("  w:\n    price: 1\n", "  w:\n    price: 1\n")
    doc = parse_yaml(text, "f.yaml")
    assert doc.data["products"]["p4999"]["price"] == 1
    assert doc.lines[("products", "p4999", "price")] == ("f.yaml", 3)
    dupes = "name: t\n" + "".join(f"k: {i}\n" for i in range(5000))
    doc = parse_yaml(dupes, "d.yaml")
    assert len(doc.problems) == 4999
    assert doc.data["k"] == 4999


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_named_as_the_scenario_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    path = tmp_path / "pipe.yaml"
    assert messages(path) == [f"{path}: is a named pipe (FIFO), not a regular file"]


def test_an_endless_extends_chain_is_cut(tmp_path: Path) -> None:
    from simulator.scenario.loader import MAX_EXTENDS

    for i in range(MAX_EXTENDS + 5):
        (tmp_path / f"c{i}.yaml").write_text(f"extends: c{i + 1}.yaml\nname: n{i}\n")
    found = messages(tmp_path / "c0.yaml")
    assert len(found) == 1 and found[0].endswith(
        f"extends: too many files in the extends: chain (at most {MAX_EXTENDS})"
    )


def test_a_long_set_value_is_not_echoed_in_full() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario({"name": "x"}, sets=["name=" + "[" * 3000 + "]" * 3000])
    (line,) = [str(p) for p in info.value.problems if "cannot read" in str(p)]
    assert len(line) < 200 and "nested too deeply" in line
