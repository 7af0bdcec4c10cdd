"""Backup to S3-compatible object storage: the pure parts (signing, planning, merging)."""
