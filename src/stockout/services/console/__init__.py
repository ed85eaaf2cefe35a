"""Read models and small use cases the web console needs beyond the API's: a merchant's work
queue with today's report quota, a message check against the pack's phrase lists, an order
explained in words, score series over time, an announcement's preview, a what-if of a file.
Each calls the same services, repositories and domain rules as the API; the console adds no
rule of its own."""
