"""The forecast of an account made afresh from its readings and the persisted samples."""

import asyncio
import time

from openrouter_exporter.core.forecast import burn_rates, forecast
from openrouter_exporter.core.ledger import Sample
from openrouter_exporter.core.snapshot import AccountSnapshot, WindowForecast
from openrouter_exporter.storage.sqlite_state import SAMPLE_RETENTION, StateStore


async def load_samples(state: StateStore, account: str) -> list[Sample]:
    """Every sample of ``account`` the forecast can use (read in a worker thread)."""
    return await asyncio.to_thread(state.samples, account, time.time() - SAMPLE_RETENTION)


def refreshed_forecasts(
    snapshot: AccountSnapshot, samples: list[Sample]
) -> tuple[WindowForecast, ...]:
    """The forecast for ``snapshot``'s balance; none while the balance is unknown."""
    credits = snapshot.credits
    if credits is None:
        return ()
    activity = snapshot.activity
    burns = burn_rates(
        [(sample.timestamp, sample.total_usage) for sample in samples],
        credits.fetched_at,
        activity.daily_spend if activity else None,
        activity.end_day if activity else None,
    )
    return forecast(credits.balance, burns, credits.fetched_at)
