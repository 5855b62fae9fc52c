"""``GET /credits``: purchased and used credits, hence the balance; feeds the forecast."""

import asyncio
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import ClassVar

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from openrouter_exporter.config.types import AccountConfig
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.ledger import Sample
from openrouter_exporter.core.snapshot import AccountSnapshot, CreditsReading
from openrouter_exporter.endpoints.base import POLLED, Endpoint, Key, Poll
from openrouter_exporter.openrouter.client import ErrorKind, FetchError

PRUNE_EVERY_SECONDS = 3600.0
ZERO_CREDITS = "zero_credits"


class Credits(Endpoint):
    """Tried with an inference key too, as some accounts answer it; never trusted at 0/0."""

    name = EndpointName.CREDITS
    feeds_forecast = True
    # The 0/0 quirk is judged against key usage: let the first keys poll land first.
    polls_after = (EndpointName.KEYS, EndpointName.KEY)
    own_error_reasons = (ZERO_CREDITS,)
    own_error_advice: ClassVar[Mapping[str, str]] = {
        ZERO_CREDITS: "/credits answered 0 purchased and 0 used although keys or activity show "
        "spend; treating it as unknown, not as a zero balance"
    }

    def applies(self, account: AccountConfig) -> bool:
        return True

    def key(self, account: AccountConfig) -> Key:
        return Key.MANAGEMENT if account.management_key else Key.INFERENCE

    async def poll(self, poll: Poll) -> CreditsReading:
        inference_only = poll.key is Key.INFERENCE
        try:
            credits = await poll.client.credits(poll.count_request)
        except FetchError as error:
            poll.stop_polling = error.kind is ErrorKind.FORBIDDEN and inference_only
            raise
        zero = credits.total_credits == 0 and credits.total_usage == 0
        # Inference keys get 0/0 for funded accounts too: it can never be trusted.
        poll.stop_polling = zero and inference_only
        if zero and (inference_only or _usage_seen(poll.previous)):
            raise FetchError(
                ErrorKind.INVALID_RESPONSE,
                ZERO_CREDITS,
                "/credits answered 0 purchased and 0 used while keys or activity show spend",
            )
        now = time.time()
        sample = Sample(now, credits.total_usage, credits.total_credits)
        await asyncio.to_thread(poll.state.add_sample, poll.account.name, sample)
        previous = poll.previous.credits
        if (
            previous is None
            or now // PRUNE_EVERY_SECONDS != previous.fetched_at // PRUNE_EVERY_SECONDS
        ):
            await asyncio.to_thread(poll.state.prune, now)
        counter = await asyncio.to_thread(
            poll.state.advance_usage, poll.account.name, credits.total_usage
        )
        return CreditsReading(credits.total_credits, credits.total_usage, now, counter)

    def families(self, accounts: Sequence[AccountSnapshot]) -> Iterator[Metric]:
        purchased = GaugeMetricFamily(
            "openrouter_credits_purchased_usd",
            f"Total credits bought, in USD, from OpenRouter /credits total_credits. {POLLED}",
            labels=["account"],
        )
        used = CounterMetricFamily(
            "openrouter_credits_used_usd",
            "Total credits used, in USD, from OpenRouter /credits total_usage; moves up with "
            "its increases only (a decrease is counted in openrouter_credits_refunded_usd_total"
            f"), so rate() is the spend rate. {POLLED}",
            labels=["account"],
        )
        refunded = CounterMetricFamily(
            "openrouter_credits_refunded_usd",
            "Decreases of OpenRouter /credits total_usage (refunds, revised charges), in USD, "
            f"since the exporter's state began. {POLLED}",
            labels=["account"],
        )
        balance = GaugeMetricFamily(
            "openrouter_balance_usd",
            "Credits purchased minus used, in USD, from OpenRouter /credits; negative when "
            f"usage exceeds purchases (requests then fail with 402). {POLLED}",
            labels=["account"],
        )
        for account in accounts:
            if account.credits is None:
                continue
            purchased.add_metric([account.name], account.credits.total_credits)
            used.add_metric([account.name], account.credits.used_total)
            refunded.add_metric([account.name], account.credits.refunded_total)
            balance.add_metric([account.name], account.credits.balance)
        yield from (purchased, used, refunded, balance)


def _usage_seen(snapshot: AccountSnapshot) -> bool:
    if snapshot.credits is not None and snapshot.credits.total_usage > 0:
        return True
    if any((key.usage or 0) > 0 for key in snapshot.keys or ()):
        return True
    return snapshot.activity is not None and any(
        spend > 0 for spend in snapshot.activity.daily_spend.values()
    )
