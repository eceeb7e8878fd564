"""Staging decides in SQL which addresses are plainly valid and asks the address library about
the rest: the addresses it refuses, and why, must be exactly those the library refuses."""

from __future__ import annotations

import duckdb

from pipeline.ingest import validate
from pipeline.support.typos import address_problem

ADDRESSES = (
    "lea@gmail.com",
    "jean.dupont+convocation@orange.fr",
    "o'brien@example.ie",
    "a_b-c@sub.domain.co.uk",
    "lea@gmail",  # no dot in the domain
    "lea@@gmail.com",
    "lea@gmail..com",
    "lea..martin@gmail.com",
    ".lea@gmail.com",
    "lea.@gmail.com",
    "héloïse@gmail.com",  # not ASCII: the library decides
    "lea@exämple.fr",
    "lea martin@gmail.com",
    "lea@localhost.localdomain",
    "lea@server.local",  # special-use domain
    "lea@test",
    "lea@invalid.invalid",
    "lea@-bad.fr",
    "lea@bad-.fr",
    "lea@123.fr",
    "lea@domain.c",
    "x" * 64 + "@gmail.com",
    "x" * 65 + "@gmail.com",
    "lea@" + "d" * 64 + ".fr",
    "lea@" + ("d" * 60 + ".") * 4 + "fr",  # over 254 characters
    "lea",
    "@gmail.com",
    "lea@",
    '"quoted"@gmail.com',
    "lea@[192.168.0.1]",
    "lea,martin@gmail.com",
)


def test_sql_and_the_address_library_refuse_the_same_addresses_for_the_same_reasons() -> None:
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE staged (recipient_email VARCHAR)")
    con.executemany("INSERT INTO staged VALUES (?)", [(a,) for a in ADDRESSES])
    validate._register_invalid_addresses(con)
    refused = dict(con.execute("SELECT address, problem_code FROM invalid_addresses").fetchall())
    expected = {a: p[0] for a in ADDRESSES if (p := address_problem(a)) is not None}
    assert refused == expected
    assert "lea@gmail" in refused and "lea@gmail.com" not in refused
