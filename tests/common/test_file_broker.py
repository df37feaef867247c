"""The embedded broker never hands a worker a message that is still being written (kombu's own
file-system transport creates the file empty, then writes it: a worker listing the folder in
between stopped with "Unrecoverable error: JSONDecodeError")."""

import threading

from kombu import Connection

import tug_portal.celery  # noqa: F401 - registers the transport
from tug_portal.common import file_broker


def folder_connection(folder) -> Connection:
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    return Connection("filesystem://", transport_options=options)


def test_filesystem_urls_use_the_atomic_transport(tmp_path):
    with folder_connection(tmp_path) as connection:
        assert isinstance(connection.transport, file_broker.Transport)


def test_a_message_is_never_seen_under_its_real_name_before_it_is_whole(tmp_path, monkeypatch):
    seen_while_writing = []
    real_replace = file_broker.os.replace

    def replace(source, target):
        seen_while_writing.extend(p.name for p in tmp_path.iterdir() if p.name.endswith(".msg"))
        real_replace(source, target)

    monkeypatch.setattr(file_broker.os, "replace", replace)
    with folder_connection(tmp_path) as connection:
        connection.SimpleQueue("q").put({"n": 1})

    assert seen_while_writing == []
    assert [p.name.endswith(".q.msg") for p in tmp_path.iterdir()] == [True]


def test_a_reader_racing_a_writer_gets_every_message_whole(tmp_path):
    count, received, errors = 300, [], []

    def read():
        with folder_connection(tmp_path) as connection:
            queue = connection.SimpleQueue("q")
            while len(received) < count:
                try:
                    message = queue.get(block=True, timeout=0.01)
                except queue.Empty:
                    continue
                except Exception as error:
                    errors.append(error)
                    return
                received.append(message.payload["n"])
                message.ack()

    reader = threading.Thread(target=read)
    reader.start()
    with folder_connection(tmp_path) as connection:
        queue = connection.SimpleQueue("q")
        for n in range(count):
            queue.put({"n": n})
    reader.join(timeout=60)

    assert errors == []
    assert sorted(received) == list(range(count))
