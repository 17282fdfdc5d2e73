"""A small stock-keeping module, used by `scripts/demo` to show a completion."""

from dataclasses import dataclass, field


@dataclass
class Item:
    name: str
    price: float
    quantity: int = 0
    tags: list[str] = field(default_factory=list)

    def total_value(self) -> float:
        """Price times quantity."""
        return 


class Inventory:
    def __init__(self) -> None:
        self.items: dict[str, Item] = {}

    def add(self, item: Item) -> None:
        self.items[item.name] = item

    def most_valuable(self) -> Item | None:
        if not self.items:
            return None
        return max(self.items.values(), key=lambda item: item.total_value())
