# category: misc
# Map order statuses to an Enum and count by completion state.
from enum import Enum

class Status(Enum):
    PAID = "paid"
    SHIPPED = "shipped"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"

    @property
    def completed(self):
        return self in (Status.PAID, Status.SHIPPED)

rows = read_only_sql_query("shop", "SELECT status FROM orders")["rows"]
statuses = [Status(r["status"]) for r in rows]
print("completed:", sum(s.completed for s in statuses))
print("not completed:", sum(not s.completed for s in statuses))
print(Status.PAID, Status("refunded").name, [s.value for s in Status])
