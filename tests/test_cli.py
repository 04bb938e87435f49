"""The `tsunagari` command against a real database (DATABASE_URL pointing at the test cluster)."""
from click.testing import CliRunner
from sqlalchemy import func, select

from geo.storage.models import Area, Place
from scripts.cli import main


def test_db_commands_and_demo_with_database_url(cluster, session_for, monkeypatch):
    cluster.ensure_database("cli_test")
    url = cluster.url("cli_test")
    monkeypatch.setenv("DATABASE_URL", url)
    runner = CliRunner()

    r = runner.invoke(main, ["db", "status"])
    assert r.exit_code == 0, r.output
    assert "schema revision: (none)" in r.output

    r = runner.invoke(main, ["db", "upgrade"])
    assert r.exit_code == 0 and "schema revision: 0004" in r.output, r.output
    assert "住所データ（全国） 277,207 件 読み込みました (loaded)" in r.output    # the national gazetteer
    r = runner.invoke(main, ["db", "upgrade"])
    assert r.exit_code == 0 and "住所データ（全国） 277,207 件 最新です (up to date)" in r.output, r.output

    r = runner.invoke(main, ["db", "up"])  # with DATABASE_URL the embedded cluster is left alone
    assert r.exit_code == 0 and "DATABASE_URL" in r.output

    r = runner.invoke(main, ["demo"])
    assert r.exit_code == 0, r.output
    assert "小学校区 12 / 中学校区 8 / 町丁 119 (人口 116,675)" in r.output
    s = session_for(url)
    assert s.scalar(select(func.count()).select_from(Place)) == 73
    assert s.scalar(select(func.count()).select_from(Area).where(Area.kind == "elementary")) == 12
    s.close()  # release the read locks before dropping the tables

    r = runner.invoke(main, ["db", "downgrade", "base"])
    assert r.exit_code == 0 and "schema revision: (none)" in r.output, r.output


def test_embedded_cluster_listens_on_its_own_socket_only(cluster):
    assert cluster.psql("SHOW listen_addresses") == ""
    assert cluster.psql("SHOW unix_socket_directories") == str(cluster.socket_dir)
    assert cluster.status() == "running"
    assert "postgis" in cluster.psql("SELECT extname FROM pg_extension", dbname="tsunagari")


def test_demo_database_and_secret_key_live_in_the_checkouts_var(monkeypatch):
    """README: the demo database is <checkout>/var/pg (and the secret key var/secret_key), not a
    folder inside the package; TSUNAGARI_HOME moves them."""
    from pathlib import Path

    from geo.storage.embedded import default_cluster, project_root
    checkout = Path(__file__).resolve().parent.parent
    monkeypatch.delenv("TSUNAGARI_HOME", raising=False)
    assert project_root() == checkout and (checkout / "pyproject.toml").is_file()
    assert default_cluster().root == checkout / "var" / "pg"
    monkeypatch.setenv("TSUNAGARI_HOME", "/srv/tsunagari")
    assert default_cluster().root == Path("/srv/tsunagari/var/pg")
