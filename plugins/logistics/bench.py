"""Benchmark: the order department's exception queue and a dealer's list over many records."""


def register(bench):
    bench.data_step("logistics exceptions", lambda sizes, quick: [
        "bench-logistics", "--records", str(10_000 if quick else int(sizes.get("logistics_records", 100_000)))])
    bench.scenario("logistics queue api", "/api/v1/logistics-exceptions?state=filed&per_page=50",
                   auth="token:order_dept", group="logistics", description="order department: filed records")
    bench.scenario("logistics late api", "/api/v1/logistics-exceptions?late=true&per_page=50",
                   auth="token:order_dept", group="logistics", description="late filings awaiting a decision")
    bench.scenario("logistics dealer api", "/api/v1/logistics-exceptions?per_page=50", auth="token:dealer",
                   group="logistics", description="a dealer's own records")
    bench.scenario("logistics page /logistics/queue", "/logistics/queue", auth="session:order_dept", group="logistics",
                   description="HTML queue page")
    bench.scenario("logistics page / dashboard", "/", auth="session:order_dept", group="logistics",
                   description="dashboard with the per-carrier, open-claims and late-filing widgets")
