"""The embedded default's Celery broker: kombu's file-system transport, with one fix.

kombu creates a message's file empty and then writes it, so a worker listing the folder in
between takes the empty file, cannot decode it and stops with "Unrecoverable error:
JSONDecodeError" (kombu issue 1551; seen under `make run` when staff edits and beat's tasks
send at the same moment). Here a message is written under a name no reader takes and then
renamed to its real name, which is atomic within one folder. Registered for `filesystem://`
in `tug_portal/celery.py`.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

PARTIAL = ".partial"  # a reader only takes names ending in ".<queue>.msg"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        try:
            with open(final + PARTIAL, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(final + PARTIAL, final)
        except OSError as error:
            raise ChannelError(f"Cannot add file {final!r} to directory") from error


class Transport(filesystem.Transport):
    Channel = Channel
