"""tongban's connections of their own (case-number reservations, session reads) read
``TONGBAN_DATABASE_URL`` as the engine does, several hosts included (failover with libpq's
``target_session_attrs``)."""

from __future__ import annotations

from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.engine import make_url

from tongban.adapters.db.async_reader import libpq_dsn


def test_a_single_host_url_gives_the_same_server() -> None:
    dsn = libpq_dsn(make_url("postgresql+psycopg://tongban:s%40cret@10.0.0.5:6432/tongban"))
    assert conninfo_to_dict(dsn) == {
        "host": "10.0.0.5",
        "port": "6432",
        "user": "tongban",
        "password": "s@cret",
        "dbname": "tongban",
    }


def test_several_hosts_become_libpq_host_and_port_lists_with_their_attributes() -> None:
    url = make_url(
        "postgresql+psycopg://tongban@/tongban?host=10.0.0.5:5432&host=10.0.0.6:5433"
        "&target_session_attrs=read-write&connect_timeout=3"
    )
    assert conninfo_to_dict(libpq_dsn(url)) == {
        "host": "10.0.0.5,10.0.0.6",
        "port": "5432,5433",
        "user": "tongban",
        "dbname": "tongban",
        "target_session_attrs": "read-write",
        "connect_timeout": "3",
    }


def test_a_socket_directory_stays_a_socket_directory() -> None:
    dsn = libpq_dsn(make_url("postgresql+psycopg://tongban@/tongban?host=/var/run/postgresql"))
    assert conninfo_to_dict(dsn) == {
        "host": "/var/run/postgresql",
        "user": "tongban",
        "dbname": "tongban",
    }
