"""An embedded streaming standby of the embedded cluster, to try read replicas on one machine.

    standby = replica_up(primary)      # pg_basebackup -R from the primary, then start it
    standby.url()                      # -> DATABASE_REPLICA_URL

The standby lives beside the primary (var/pg-replica), listens on its own Unix socket only,
and follows the primary by PostgreSQL's streaming replication (standby.signal and
primary_conninfo written by pg_basebackup -R). It is read-only (hot standby).
"""
from __future__ import annotations

import shutil

from geo.storage.embedded import DB_USER, PORT, EmbeddedError, EmbeddedPostgres, cluster_at, pg_bindir


def standby_of(primary: EmbeddedPostgres) -> EmbeddedPostgres:
    return cluster_at(primary.root.parent / f"{primary.root.name}-replica")


def allow_replication(primary: EmbeddedPostgres) -> bool:
    """Make sure pg_hba lets a local-socket replication connection in (initdb's default file does);
    returns True when a line had to be added (the server is reloaded)."""
    hba = primary.data_dir / "pg_hba.conf"
    lines = [l.split() for l in hba.read_text().splitlines() if l.strip() and not l.lstrip().startswith("#")]
    if any(len(l) >= 4 and l[0] == "local" and l[1] == "replication" for l in lines):
        return False
    with open(hba, "a") as fh:
        fh.write("\n# つながりマップ: local streaming standby (tsunagari db replica up)\n"
                 "local   replication     all                                     trust\n")
    if primary.running():
        primary._run([str(pg_bindir() / "pg_ctl"), "reload", "-D", str(primary.data_dir)])
    return True


def replica_up(primary: EmbeddedPostgres, standby: EmbeddedPostgres | None = None) -> EmbeddedPostgres:
    """Start (creating it first when needed) a streaming standby of `primary`."""
    standby = standby or standby_of(primary)
    if not primary.running():
        primary.start()
    allow_replication(primary)
    if not standby.initialised():
        shutil.rmtree(standby.root, ignore_errors=True)
        for d in (standby.root, standby.socket_dir):
            d.mkdir(parents=True, exist_ok=True)
            standby._chown(d)
        standby._run([str(pg_bindir() / "pg_basebackup"), "-D", str(standby.data_dir), "-R", "-X", "stream",
                      "-c", "fast", "-h", str(primary.socket_dir), "-p", str(PORT), "-U", DB_USER])
        # the copied postgresql.conf names the primary's socket folder: the last setting wins
        conf = standby.data_dir / "postgresql.conf"
        standby._run(["sh", "-c", f"cat >> '{conf}' <<'EOF'\n# standby of {primary.root}\n"
                      f"unix_socket_directories = '{standby.socket_dir}'\nhot_standby = on\n"
                      f"hot_standby_feedback = on\nEOF\n"])
    if not standby.running():
        standby.log_file.touch(exist_ok=True)
        standby._chown(standby.log_file)
        standby._run([str(pg_bindir() / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(standby.data_dir),
                      "-l", str(standby.log_file)])
    standby._wait_ready()
    if standby.psql("SELECT pg_is_in_recovery()") != "t":
        raise EmbeddedError(f"{standby.root} is not a standby (pg_is_in_recovery() is false)")
    return standby


def replica_down(primary: EmbeddedPostgres, standby: EmbeddedPostgres | None = None, remove: bool = False) -> None:
    standby = standby or standby_of(primary)
    if remove:
        standby.destroy()
    else:
        standby.stop()


def replica_status(primary: EmbeddedPostgres, standby: EmbeddedPostgres | None = None) -> dict:
    """{"state": "not created"|"stopped"|"streaming"|..., "lag_bytes": int|None, "url": ...}"""
    standby = standby or standby_of(primary)
    out = {"state": standby.status(), "url": standby.url(), "root": str(standby.root), "lag_bytes": None}
    if out["state"] == "not initialised":
        out["state"] = "not created"
    if standby.running():
        receive = standby.psql("SELECT pg_last_wal_receive_lsn()")
        replay = standby.psql("SELECT pg_last_wal_replay_lsn()")
        out["state"] = "streaming" if standby.psql("SELECT status FROM pg_stat_wal_receiver") == "streaming" \
            else "running (not streaming)"
        if primary.running() and replay:
            out["lag_bytes"] = int(float(primary.psql(f"SELECT pg_current_wal_lsn() - '{replay}'::pg_lsn")))
        out["received"] = receive
    return out
