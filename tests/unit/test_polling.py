import random

from app.core.polling import (CAP_MS, MIN_RETRY_MS, POLL_MS, RETRY_AFTER_CAP_MS, PollState, Schedule,
                              parse_retry_after)

NOW = 1_763_700_000_000  # Fri, 21 Nov 2025 04:40:00 GMT


def test_processing_files_are_asked_every_five_seconds_and_final_ones_never():
    s = Schedule(random.Random(1))
    assert s.after_answer(PollState(), NOW, final=False) == PollState(NOW + POLL_MS, 0)
    assert s.after_answer(PollState(NOW, 3), NOW, final=True).next_at is None
    assert s.now_ready(PollState(None, 0)).next_at is None


def test_retry_after_seconds_and_http_dates_are_honoured_and_capped():
    s = Schedule(random.Random(1))
    assert s.after_failure(PollState(), NOW, 503, "7").next_at == NOW + 7_000
    assert s.after_failure(PollState(), NOW, 429, "Fri, 21 Nov 2025 04:40:30 GMT").next_at == NOW + 30_000
    assert s.after_failure(PollState(), NOW, 503, "86400").next_at == NOW + RETRY_AFTER_CAP_MS
    assert s.after_failure(PollState(), NOW, 503, "Fri, 21 Nov 2025 04:39:00 GMT").next_at == NOW  # past: now
    assert parse_retry_after("soon", NOW) is None and parse_retry_after(None, NOW) is None
    # Retry-After only means something on 429/503; a 500 with one backs off as usual.
    assert s.after_failure(PollState(), NOW, 500, "1").next_at >= NOW + MIN_RETRY_MS


def test_a_500_storm_backs_off_with_full_jitter_and_bounded_attempts():
    s = Schedule(random.Random(42))
    state, now, attempts = PollState(), NOW, []
    while now < NOW + 10 * 60_000:
        attempts.append(now)
        state = s.after_failure(state, now, 500)
        assert MIN_RETRY_MS <= state.next_at - now <= CAP_MS
        now = state.next_at
    first_minute = [t for t in attempts if t < NOW + 60_000]
    assert len(first_minute) <= 60_000 // MIN_RETRY_MS and len(first_minute) < 12
    later = [b - a for a, b in zip(attempts, attempts[1:])][10:]
    assert max(later) <= CAP_MS and sum(later) / len(later) > 15_000  # backed off, jittered
    assert len(set(later)) > len(later) // 2  # jittered, not a fixed ladder
    assert s.after_answer(state, now, final=False).failures == 0  # an answer resets the count
