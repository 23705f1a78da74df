"""The yardstick of `make loadtest`: a bare Django view rendering a 50-row table through the same middleware, with
no query. Pages are compared with it in the same run. Routed only when settings.LOADTEST_BARE_VIEW is on (the
load test's server sets it); never in production."""

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

ROWS = [
    {
        "number": f"2026-{n:04d}",
        "name": f"R{n:05d}",
        "date": dt.date(2026, 1, 1) + dt.timedelta(days=n),
        "state": "issued",
    }
    for n in range(50)
]


def bare_table(request: HttpRequest) -> HttpResponse:
    return render(request, "loadtest/bare.html", {"rows": ROWS})
