"""The worker's round: re-judge what fell due, settle remedies, end measures, deliver the outbox."""
