"""How today's partial per-model figures (Analytics API) meet the completed days of
``/activity`` in the per-model ledger, without counting anything twice or lowering a counter.

The two sources differ in grain: ``/activity`` has one row per (day, model, provider
endpoint), the Analytics API one per (day, model). The counters are per (model, provider),
so a provisional (day, model) figure must be given to providers before ``/activity`` says
which ones served it. It is split by the model's provider shares on its latest day in the
ledger (one share ``unknown`` for a model never seen there); the split is fixed when the
provisional row is first recorded, so it does not move later.

For each (day, model) and each field (spend, requests, tokens …), with ``P`` the
provisional figure (its high-water mark: it only grows while the day runs, and is frozen
once ``/activity`` has a row for that day and model), ``floor_p = share_p * P`` and
``r_p`` the ``/activity`` figure of provider ``p`` (its high-water mark, as for every
ledger row):

* the day's total is ``max(P, sum(r_p))``: whichever source saw more, never both;
* each provider keeps its floor, and the excess ``max(0, sum(r_p) - P)`` goes to the
  providers whose ``/activity`` figure is above their floor, in proportion to how far.

So with no provisional figure a provider counts exactly its ``/activity`` rows, as before;
when the split was right it counts exactly its ``/activity`` rows too; and a counter never
goes down, because every term above only grows as ``P`` and the ``r_p`` grow.
"""

from collections.abc import Mapping, Sequence

UNKNOWN_PROVIDER = "unknown"
Figures = tuple[float, ...]  # one value per ledger field, in the ledger's field order


def provider_shares(latest_spend: Mapping[str, float]) -> dict[str, float]:
    """Shares of each provider from a model's latest day of ``/activity`` spend; a model
    without any goes whole to ``unknown``."""
    total = sum(spend for spend in latest_spend.values() if spend > 0)
    if total <= 0:
        return {UNKNOWN_PROVIDER: 1.0}
    return {provider: spend / total for provider, spend in latest_spend.items() if spend > 0}


def allocate_field(
    provisional: float, shares: Mapping[str, float], activity: Mapping[str, float]
) -> dict[str, float]:
    """One field of one (day, model), per provider (see the module docstring)."""
    floors = {provider: share * provisional for provider, share in shares.items()}
    providers = sorted(set(floors) | set(activity))
    excess = max(0.0, sum(activity.values()) - provisional)
    above = {p: max(0.0, activity.get(p, 0.0) - floors.get(p, 0.0)) for p in providers}
    room = sum(above.values())
    return {
        p: floors.get(p, 0.0) + (excess * above[p] / room if room > 0 else 0.0) for p in providers
    }


def allocate(
    provisional: Figures | None,
    shares: Mapping[str, float],
    activity: Mapping[str, Figures],
    width: int,
) -> dict[str, Figures]:
    """Every field of one (day, model), per provider. ``activity`` holds each provider's
    ``/activity`` figures (summed over its endpoints); ``width`` is the number of fields."""
    if provisional is None:
        return dict(activity)
    per_field = [
        allocate_field(
            provisional[index],
            shares,
            {provider: figures[index] for provider, figures in activity.items()},
        )
        for index in range(width)
    ]
    providers = sorted({p for field in per_field for p in field})
    return {p: tuple(field.get(p, 0.0) for field in per_field) for p in providers}


def sum_figures(rows: Sequence[Figures], width: int) -> Figures:
    return tuple(sum(row[index] for row in rows) for index in range(width))
