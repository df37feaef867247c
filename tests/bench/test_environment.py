"""Where a bench run's database lives: never the developer's."""

from bench.environment import (
    DEFAULT_POSTGRES_URL,
    DEFAULT_REDIS_URL,
    VAR_DIR,
    ThrowawayDatabase,
    choose_database,
)


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


def test_choose_sqlite_ignores_a_configured_postgres_and_redis():
    environ = {"DATABASE_URL": "postgres://db/tug", "CACHE_URL": "redis://r:6379/1"}

    choose_database("sqlite", environ)

    assert environ == {}


def test_choose_postgres_keeps_configured_urls():
    environ = {"DATABASE_URL": "postgres://db/tug", "CACHE_URL": "redis://r:6379/1"}

    choose_database("postgres", environ)

    assert environ == {"DATABASE_URL": "postgres://db/tug", "CACHE_URL": "redis://r:6379/1"}


def test_choose_postgres_without_urls_uses_the_loopback_stack():
    environ = {}

    choose_database("postgres", environ)

    assert environ == {"DATABASE_URL": DEFAULT_POSTGRES_URL, "CACHE_URL": DEFAULT_REDIS_URL}


def test_no_choice_leaves_the_environment_as_it_is():
    environ = {"DATABASE_URL": "sqlite:///x"}

    choose_database(None, environ)

    assert environ == {"DATABASE_URL": "sqlite:///x"}
