"""Where a bench run's database lives: never the developer's."""

from bench.environment import VAR_DIR, ThrowawayDatabase


def test_throwaway_database_on_postgres_is_a_new_database_on_the_same_server():
    database = ThrowawayDatabase.for_url("postgres://postgres:pw@127.0.0.1:5432/tug_portal", 4242)

    assert database == ThrowawayDatabase(
        url="postgres://postgres:pw@127.0.0.1:5432/tug_bench_4242",
        engine="postgresql",
        name="tug_bench_4242",
    )


def test_throwaway_database_otherwise_is_a_sqlite_file_under_var_bench():
    database = ThrowawayDatabase.for_url("", 4242)

    assert database.engine == "sqlite"
    assert database.name == str(VAR_DIR / "bench-4242.sqlite3")
    assert database.url == f"sqlite:///{VAR_DIR / 'bench-4242.sqlite3'}"
