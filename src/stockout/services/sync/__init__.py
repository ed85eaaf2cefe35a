"""Real data in: the Pinduoduo open-platform sync and the carriers' tracking pushes, ingested
through the same ingest service as posted events, as the platform's and the carriers' sources."""
