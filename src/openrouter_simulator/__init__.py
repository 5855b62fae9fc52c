"""A faithful fake of the OpenRouter API, for demo mode and tests.

Python::

    from openrouter_simulator import Simulator, Scenario
    sim = Simulator(Scenario.demo(seed=7), speed=1.0)
    base_url = sim.start("127.0.0.1", 0)      # "http://127.0.0.1:PORT/api/v1", serves in a thread
    sim.management_key, sim.inference_keys    # fake secrets to give the exporter
    sim.control_url                           # "http://127.0.0.1:PORT/_sim"
    sim.stop()

Standalone: ``python -m openrouter_simulator --listen 127.0.0.1:0 --speed 60
--scenario demo --seed 7 --keys-file keys.json`` prints the base URL and runs until
SIGTERM or SIGINT.

The model
=========
The account spends continuously: ``daily_rate`` USD per simulated day on average (weekends
quieter, per-day noise), following a daily rhythm busier in UTC daytime, multiplied by the
speed factor. Spend is computed in closed form from elapsed time whenever something is
read (nothing ticks), spread over the keys by weight (a key at its limit stops and its
share moves to the others), and recorded per simulated day; completed days become
``/activity`` rows split over (model, provider endpoint). The calendar is real UTC time
plus a whole number of days moved by ``advance``. Past 0 the balance drifts slightly
negative (``overdraft_rate``, at most ``overdraft_limit``), as in-flight requests do
before 402s stop everything. See :mod:`.scenario`, :mod:`.spend`, :mod:`.ledger` and
:mod:`.activity` for the details, :mod:`.analytics` for ``/analytics/query`` and
``/analytics/meta``, :mod:`.api` for authentication, :mod:`.faults` for faults.

Control API (no authentication; JSON in and out; errors as ``{"error": {"code", "message"}}``)
=============================================================================================
``GET /_sim/state``
    ``{"scenario", "seed", "now" (real Unix time), "sim_time", "today" (simulated
    YYYY-MM-DD), "calendar_offset_days", "speed", "total_credits", "total_usage",
    "balance", "daily_rate", "current_rate_per_day" (USD/day right now, rhythm and speed
    included), "exhaustion_timestamp" (real Unix time the balance reaches 0, or null),
    "exhausted_at", "activity_window": {"first", "last", "last_available"},
    "keys": [{"hash", "name", "label", "workspace_id", "usage", "byok_usage", "limit",
    "limit_remaining", "limit_reset", "disabled", "expired", "weight"}],
    "faults": {endpoint: {"mode", "retry_after", "delay", "times"}}, "quirks": {...},
    "calls": {endpoint: {"count", "timestamps": [...], "statuses": [...]}},
    "errors": [internal errors, normally empty]}``
``GET /_sim/credentials``
    ``{"base_url", "control_url", "management_key", "inference_keys": [...]}``
``POST /_sim/speed`` ``{"factor": 60}``  -> ``{"speed"}``
``POST /_sim/topup`` ``{"amount": 100}`` -> ``{"total_credits", "total_usage", "balance"}``
``POST /_sim/usage`` ``{"total_usage": .., "total_credits": ..}`` (either or both) -> same
``POST /_sim/fault`` ``{"endpoint": "credits|key|keys|activity|analytics|models|*", "mode": ..,
    "retry_after": secs|null, "delay": secs, "times": n|null}`` -> ``{"faults"}``;
    modes: http_500, http_502, http_503, http_429, http_401, http_403, http_404, slow, refuse,
    malformed, drift, zero_credits, activity_datetime_format (see :mod:`.faults`)
``DELETE /_sim/fault`` (all) or ``DELETE /_sim/fault?endpoint=credits`` -> ``{"faults"}``
``POST /_sim/quirks`` ``{"inference_credits": "403|real|zero", "activity_date_format":
    "date|datetime", "activity_byok_requests": bool, "activity_lag_seconds": secs,
    "analytics_bucket_key": "date|created_at", "analytics_bucket_format": "date|datetime"}``
    (any subset) -> ``{"quirks"}``
``POST /_sim/keys`` ``{"name", "weight"?, "limit"?, "limit_reset"?, "include_byok_in_limit"?,
    "disabled"?, "expires_in_days"?, "workspace"? (a name), "creator_user_id"?}``
    -> ``{"secret", "hash", "name", "key": <the /keys item>}``
``POST /_sim/keys/{hash}`` ``{"disabled"?, "weight"?, "limit"? (null: none),
    "limit_reset"?}`` -> ``{"key"}``
``DELETE /_sim/keys/{hash}`` -> ``{"deleted": hash}`` (404 if unknown)
``POST /_sim/advance`` ``{"days": N}`` -> ``{"today", "calendar_offset_days",
    "activity_window", "total_usage", "balance"}``; the skipped days spend at speed 1
``POST /_sim/spend`` ``{"model": slug, "amount": usd, "key"?: hash}`` -> ``{"model",
    "amount", "key", "usage_today", "total_usage"}``: spends at once on one model through
    one key (default: the first that can spend); today's analytics and, once the day is
    complete, its ``/activity`` rows show it on that model
``POST /_sim/revise`` ``{"date": "YYYY-MM-DD", "model": slug, "factor": 1.2}``
    -> ``{"date", "model", "factor", "rows"}`` (rows changed; cumulative factors)
``POST /_sim/runaway`` ``{"key": hash, "model": slug, "factor": 50, "in_seconds"?: 0}``
    -> ``{"key", "key_name", "model", "factor", "start" (real Unix time)}``: from then on
    the account spends ``factor`` times its rate, the extra through that key on that model
    (``/credits``, the key in ``/keys``, the model's ``/activity`` rows once the day is
    completed; see :mod:`.runaway`); ``DELETE /_sim/runaway`` ends it. ``state`` shows it
    as ``"runaway"`` (or null) and ``current_rate_per_day`` includes it.
``POST /_sim/reset-counts`` -> ``{"calls": {}}``
"""

from openrouter_simulator.key_builder import NewKey
from openrouter_simulator.scenario import Quirks, Scenario
from openrouter_simulator.server import Simulator
from openrouter_simulator.specs import EndpointSpec, KeySpec, ModelSpec

__all__ = ["EndpointSpec", "KeySpec", "ModelSpec", "NewKey", "Quirks", "Scenario", "Simulator"]
