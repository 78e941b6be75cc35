"""moto's server (same arguments as moto_server), with DynamoDB requests handled one at a time.

Real DynamoDB applies every request atomically. moto 5's TransactWriteItems does not under
concurrency: it snapshots the whole table, and when any item of the transaction fails it puts
the snapshot back, undoing writes other requests made meanwhile (concurrent ingests for one user
lost an update that way). Serialising DynamoDB calls gives the atomicity the real service has;
other services keep moto's threads (SQS long polls must not block everything).
"""

import threading

from moto.dynamodb.responses import DynamoHandler
from moto.server import main

_LOCK = threading.RLock()
_call_action = DynamoHandler.call_action


def _serialised(self):
    with _LOCK:
        return _call_action(self)


DynamoHandler.call_action = _serialised

if __name__ == "__main__":
    main()
