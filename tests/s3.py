"""A real S3-compatible server for the tests: moto's server, on a free loopback port.

One server per test process (``s3_endpoint`` in ``tests/conftest.py``); each test gets its own
bucket, so tests never see each other's objects.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from pydantic import SecretStr

from tongban.adapters.s3_store import S3FileStore, S3Location, s3_client
from tongban.config import Settings

REGION = "us-east-1"
ACCESS_KEY = "tongban-test"
SECRET_KEY = "tongban-test-secret"


def serve() -> Iterator[str]:
    """Start moto's threaded server on 127.0.0.1 and a port the system chooses; its URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def client(endpoint: str) -> Any:
    return s3_client(
        endpoint_url=endpoint, region=REGION, access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY
    )


def new_bucket(endpoint: str) -> str:
    name = f"tongban-{uuid.uuid4().hex[:12]}"
    client(endpoint).create_bucket(Bucket=name)
    return name


def store(endpoint: str, prefix: str = "files") -> S3FileStore:
    return S3FileStore(client(endpoint), S3Location.parse(f"s3://{new_bucket(endpoint)}/{prefix}"))


def settings_for(settings: Settings, endpoint: str) -> Settings:
    """``settings`` with the file store in a fresh bucket of the test server."""
    return settings.model_copy(
        update={
            "file_store": f"s3://{new_bucket(endpoint)}/uploads",
            "s3_endpoint_url": endpoint,
            "s3_region": REGION,
            "s3_access_key_id": ACCESS_KEY,
            "s3_secret_access_key": SecretStr(SECRET_KEY),
        }
    )
