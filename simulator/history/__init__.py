"""The planner's own data: orders and deliveries read from CSV exports.

    from simulator.history import read_orders, read_deliveries, HistoryError

    try:
        orders = read_orders("orders.csv", columns={"time": "Order Date"})
    except HistoryError as exc:
        print(exc)  # one line per problem: FILE:LINE: column: message

These readers are used by ``backorder-sim fit`` and by scenarios whose demand or lead
times come from a history file.
"""

from simulator.history.deliveries import (
    DELIVERY_COLUMNS,
    Delivery,
    DeliveryHistory,
    load_deliveries,
    read_deliveries,
)
from simulator.history.orders import (
    ORDER_COLUMNS,
    OrderHistory,
    ProductOrders,
    load_orders,
    read_orders,
)
from simulator.history.table import HistoryError, parse_columns

__all__ = [
    "DELIVERY_COLUMNS",
    "ORDER_COLUMNS",
    "Delivery",
    "DeliveryHistory",
    "HistoryError",
    "OrderHistory",
    "ProductOrders",
    "load_deliveries",
    "load_orders",
    "parse_columns",
    "read_deliveries",
    "read_orders",
]
