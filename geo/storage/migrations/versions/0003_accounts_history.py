"""accounts, roles, place history (written by a trigger for every writer), resident reports,
freshness (place.confirmed_at) and the place version used as the ETag

Every existing place and import run is kept; the history starts with one 'created' entry per
existing place, attributed to the import run that brought it in when there is one.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# The one blurring rule (unchanged from 0001), now a function of its own so that a past state
# rebuilt from the history (geo/editing/asof.py) is blurred by exactly the same code.
BLUR_FUNCTION = """
CREATE OR REPLACE FUNCTION tsunagari_blur(pt geometry, prec text) RETURNS geometry AS $$
    SELECT CASE
        WHEN pt IS NULL OR prec = 'hidden' THEN NULL
        WHEN prec = 'approximate' THEN ST_SetSRID(ST_MakePoint(
            floor(ST_X(pt) / 0.006) * 0.006 + 0.003,
            floor(ST_Y(pt) / 0.005) * 0.005 + 0.0025), 4326)
        ELSE pt END
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION tsunagari_public_point() RETURNS trigger AS $$
BEGIN
    NEW.public_point := tsunagari_blur(NEW.point, NEW.precision);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

OLD_PRIVACY_FUNCTION = """
CREATE OR REPLACE FUNCTION tsunagari_public_point() RETURNS trigger AS $$
BEGIN
    IF NEW.point IS NULL OR NEW.precision = 'hidden' THEN
        NEW.public_point := NULL;
    ELSIF NEW.precision = 'approximate' THEN
        NEW.public_point := ST_SetSRID(ST_MakePoint(
            floor(ST_X(NEW.point) / 0.006) * 0.006 + 0.003,
            floor(ST_Y(NEW.point) / 0.005) * 0.005 + 0.0025), 4326);
    ELSE
        NEW.public_point := NEW.point;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

# A place as history sees it: every column but the derived and bookkeeping ones; the point as
# [lat, lon] (7 decimals, ~1 cm) instead of hex EWKB.
HISTORY_FUNCTIONS = """
CREATE OR REPLACE FUNCTION tsunagari_place_json(p place) RETURNS jsonb AS $$
    SELECT (to_jsonb(p) - 'id' - 'public_point' - 'updated_at' - 'created_at' - 'version'
                        - 'confirmed_at' - 'address_key')
           || jsonb_build_object('point', CASE WHEN p.point IS NULL THEN NULL ELSE
                  jsonb_build_array(round(ST_Y(p.point)::numeric, 7), round(ST_X(p.point)::numeric, 7)) END)
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION tsunagari_setting(name text) RETURNS text AS $$
    SELECT nullif(current_setting(name, true), '')
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION tsunagari_record_change(place_id integer, action text, changes jsonb)
RETURNS void AS $$
BEGIN
    INSERT INTO place_change (place_id, at, action, changes, user_id, import_run_id, submission_id,
                              reverts_id, via, txid)
    VALUES (place_id, clock_timestamp(),
            coalesce(tsunagari_setting('tsunagari.action'), action), changes,
            tsunagari_setting('tsunagari.user_id')::integer,
            tsunagari_setting('tsunagari.import_run_id')::integer,
            tsunagari_setting('tsunagari.submission_id')::integer,
            tsunagari_setting('tsunagari.reverts_id')::integer,
            coalesce(tsunagari_setting('tsunagari.via'), 'sql'),
            txid_current());
END;
$$ LANGUAGE plpgsql;

-- BEFORE UPDATE (per row): when a tracked column changes, bump the version (the ETag) and record
-- the change. A row whose only changes are bookkeeping (confirmed_at, updated_at, ...) is let
-- through after one cheap record comparison: a re-import confirming 100,000 places costs little.
CREATE OR REPLACE FUNCTION tsunagari_place_updated() RETURNS trigger AS $$
DECLARE
    same place := NEW;
    o jsonb;
    n jsonb;
    diff jsonb;
    act text := 'updated';
BEGIN
    same.confirmed_at := OLD.confirmed_at;
    same.updated_at := OLD.updated_at;
    same.public_point := OLD.public_point;
    same.version := OLD.version;
    same.address_key := OLD.address_key;
    IF same IS NOT DISTINCT FROM OLD THEN
        RETURN NEW;
    END IF;
    o := tsunagari_place_json(OLD);
    n := tsunagari_place_json(NEW);
    IF o = n THEN
        RETURN NEW;
    END IF;
    SELECT jsonb_object_agg(k.key, jsonb_build_array(o -> k.key, n -> k.key)) INTO diff
      FROM jsonb_object_keys(n) AS k(key)
     WHERE (o -> k.key) IS DISTINCT FROM (n -> k.key);
    IF NEW.status = 'closed' AND OLD.status <> 'closed' THEN
        act := 'closed';
    ELSIF OLD.status = 'closed' AND NEW.status <> 'closed' THEN
        act := 'reopened';
    END IF;
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    PERFORM tsunagari_record_change(NEW.id, act, diff);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- AFTER INSERT (per statement, over the transition table): one 'created' entry per new place,
-- every non-empty field as [null, value]; one INSERT for a whole COPY of an imported file.
CREATE OR REPLACE FUNCTION tsunagari_places_created() RETURNS trigger AS $$
BEGIN
    INSERT INTO place_change (place_id, at, action, changes, user_id, import_run_id, submission_id,
                              reverts_id, via, txid)
    SELECT r.id, clock_timestamp(), coalesce(tsunagari_setting('tsunagari.action'), 'created'),
           (SELECT coalesce(jsonb_object_agg(k, jsonb_build_array(NULL::jsonb, v)), '{}'::jsonb)
              FROM jsonb_each(jsonb_strip_nulls(tsunagari_place_json(r))) AS e(k, v)),
           tsunagari_setting('tsunagari.user_id')::integer,
           tsunagari_setting('tsunagari.import_run_id')::integer,
           tsunagari_setting('tsunagari.submission_id')::integer,
           tsunagari_setting('tsunagari.reverts_id')::integer,
           coalesce(tsunagari_setting('tsunagari.via'), 'sql'),
           txid_current()
      FROM new_places r ORDER BY r.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    op.create_table(
        'app_user',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.Text(), nullable=False),
        sa.Column('display_name', sa.Text(), nullable=False),
        sa.Column('password_hash', sa.Text(), nullable=False),
        sa.Column('role', sa.String(length=12), nullable=False),
        sa.Column('municipalities', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
        sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
        sa.Column('auth_epoch', sa.Integer(), server_default='1', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('email'),
        sa.CheckConstraint("role IN ('admin', 'coordinator', 'viewer')", name='ck_app_user_role'),
        sa.CheckConstraint("email = lower(email)", name='ck_app_user_email_lower'),
    )
    op.create_table(
        'login_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.Text(), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_login_attempt_email', 'login_attempt', ['email'])
    op.create_index('ix_login_attempt_client', 'login_attempt', ['client'])
    op.create_index('ix_login_attempt_at', 'login_attempt', ['at'])
    op.create_table(
        'submission',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('place_id', sa.Integer(), nullable=True),
        sa.Column('municipality_code', sa.String(length=6), nullable=True),
        sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('contact', sa.Text(), nullable=True),
        sa.Column('client', sa.String(length=64), nullable=True),
        sa.Column('status', sa.String(length=10), server_default='open', nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('result_place_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['place_id'], ['place.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['result_place_id'], ['place.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by'], ['app_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.CheckConstraint("kind IN ('new', 'correction', 'closed')", name='ck_submission_kind'),
        sa.CheckConstraint("status IN ('open', 'approved', 'rejected')", name='ck_submission_status'),
    )
    op.create_index('ix_submission_place_id', 'submission', ['place_id'])
    op.create_index('ix_submission_municipality_code', 'submission', ['municipality_code'])
    op.create_index('ix_submission_client', 'submission', ['client'])
    op.create_index('ix_submission_created_at', 'submission', ['created_at'])
    op.create_table(
        'place_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('place_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('action', sa.String(length=12), nullable=False),
        sa.Column('changes', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('import_run_id', sa.Integer(), nullable=True),
        sa.Column('submission_id', sa.Integer(), nullable=True),
        sa.Column('reverts_id', sa.Integer(), nullable=True),
        sa.Column('via', sa.String(length=12), nullable=True),
        sa.Column('txid', sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(['place_id'], ['place.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='SET NULL'),
        # checked at commit: an import writes its places (and their history) before its run row
        sa.ForeignKeyConstraint(['import_run_id'], ['import_run.id'], ondelete='SET NULL',
                                deferrable=True, initially='DEFERRED'),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['reverts_id'], ['place_change.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_place_change_place_id', 'place_change', ['place_id'])
    op.create_index('ix_place_change_at', 'place_change', ['at'])
    op.create_index('ix_place_change_user_id', 'place_change', ['user_id'])
    op.create_index('ix_place_change_import_run_id', 'place_change', ['import_run_id'])
    op.create_index('ix_place_change_txid', 'place_change', ['txid'])

    op.add_column('place', sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('place', sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    op.execute(BLUR_FUNCTION)
    op.execute(HISTORY_FUNCTIONS)

    # History starts with every existing place, attributed to the first applied run of its dataset.
    op.execute("""
        INSERT INTO place_change (place_id, at, action, changes, import_run_id, via, txid)
        SELECT p.id, p.created_at, 'created',
               (SELECT coalesce(jsonb_object_agg(k, jsonb_build_array(NULL::jsonb, v)), '{}'::jsonb)
                  FROM jsonb_each(jsonb_strip_nulls(tsunagari_place_json(p))) AS e(k, v)),
               (SELECT min(r.id) FROM import_run r WHERE r.dataset_id = p.dataset_id AND r.status = 'applied'),
               'migration', txid_current()
          FROM place p ORDER BY p.id""")
    # 最終確認日 of existing places: when they were last written
    op.execute("UPDATE place SET confirmed_at = updated_at")

    op.execute("""CREATE TRIGGER place_audit BEFORE UPDATE ON place
                  FOR EACH ROW EXECUTE FUNCTION tsunagari_place_updated()""")
    op.execute("""CREATE TRIGGER place_created AFTER INSERT ON place REFERENCING NEW TABLE AS new_places
                  FOR EACH STATEMENT EXECUTE FUNCTION tsunagari_places_created()""")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS place_created ON place")
    op.execute("DROP TRIGGER IF EXISTS place_audit ON place")
    op.execute("DROP FUNCTION IF EXISTS tsunagari_places_created()")
    op.execute("DROP FUNCTION IF EXISTS tsunagari_place_updated()")
    op.execute("DROP FUNCTION IF EXISTS tsunagari_record_change(integer, text, jsonb)")
    op.execute("DROP FUNCTION IF EXISTS tsunagari_setting(text)")
    op.execute("DROP FUNCTION IF EXISTS tsunagari_place_json(place)")
    op.execute(OLD_PRIVACY_FUNCTION)
    op.execute("DROP FUNCTION IF EXISTS tsunagari_blur(geometry, text)")
    op.drop_column('place', 'version')
    op.drop_column('place', 'confirmed_at')
    op.drop_table('place_change')
    op.drop_table('submission')
    op.drop_table('login_attempt')
    op.drop_table('app_user')
