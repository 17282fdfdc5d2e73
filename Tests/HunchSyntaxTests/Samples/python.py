"""Inventory helpers for a small shop."""
import json
from dataclasses import dataclass, field

TAX_RATE = 0.2


@dataclass
class Item:
    name: str
    price: float
    tags: list = field(default_factory=list)

    def price_with_tax(self) -> float:
        return round(self.price * (1 + TAX_RATE), 2)


class Inventory:
    def __init__(self):
        self.items = {}

    def add(self, item: Item, count: int = 1) -> None:
        current = self.items.get(item.name, (item, 0))[1]
        self.items[item.name] = (item, current + count)

    def total_value(self) -> float:
        return sum(item.price_with_tax() * count for item, count in self.items.values())

    @staticmethod
    def from_json(text):
        inventory = Inventory()
        for row in json.loads(text):
            inventory.add(Item(row["name"], float(row["price"])), row.get("count", 1))
        return inventory


def load_inventory(path):
    with open(path, encoding="utf-8") as handle:
        return Inventory.from_json(handle.read())


if __name__ == "__main__":
    shop = load_inventory("stock.json")
    print(f"total: {shop.total_value():.2f}")
