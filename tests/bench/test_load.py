"""Reading wrk's report (the load run itself is `make bench`'s, never a test's)."""

from bench.load import LoadResult, parse_wrk

# wrk ends some lines with a space; the parser must not mind.
WRK_REPORT = "\n".join(
    [
        "Running 20s test @ http://127.0.0.1:8107/",
        "  1 threads and 4 connections",
        "  Thread Stats   Avg      Stdev     Max   +/- Stdev",
        "    Latency     1.25s   424.18ms   1.70s    50.00%",
        "    Req/Sec     4.67      4.41    10.00     66.67%",
        "  Latency Distribution",
        "     50%    1.50s ",
        "     75%    1.51s ",
        "     90%    1.70s ",
        "     99%  980.00us",
        "  120 requests in 20.07s, 33.36KB read",
        "  Socket errors: connect 0, read 2, write 0, timeout 1",
        "  Non-2xx or 3xx responses: 4",
        "Requests/sec:      5.98",
        "Transfer/sec:      1.66KB",
        "",
    ]
)


def test_parse_wrk_reads_count_duration_percentiles_and_errors():
    result = parse_wrk(WRK_REPORT, url="http://127.0.0.1:8107/", seconds=20)

    assert result == LoadResult(
        url="http://127.0.0.1:8107/",
        requests=120,
        seconds=20.07,
        p50_ms=1500.0,
        p99_ms=0.98,
        errors=7,
        tool="wrk",
    )


def test_parse_wrk_without_error_lines_counts_no_errors():
    report = WRK_REPORT.replace("  Socket errors: connect 0, read 2, write 0, timeout 1\n", "")
    report = report.replace("  Non-2xx or 3xx responses: 4\n", "")

    assert parse_wrk(report, url="x", seconds=20).errors == 0


def test_load_result_rate_is_requests_per_second():
    result = LoadResult("x", requests=500, seconds=20.0, p50_ms=1, p99_ms=2, errors=0, tool="wrk")

    assert result.rate == 25.0
