"""All file-system I/O, one package that nothing else bypasses: `from tasks import io`.

- `inputs`: finding inputs lazily (local paths, object-store URLs), planning them into batches,
  reading them; gold files.
- `tables`: the Parquet tables and the state tables kept beside them.
- `commits`: the output lock, staging and publishing a batch at once, the commit log.
- `state`: what a run reads of earlier ones: the input ledger, key columns, stored signatures.
- `maintenance`: the stored contract, compaction, reading and rewriting every table for a migration.
- `queries`: the read-only DuckDB views of `newsfacts query`.
- `files`, `layout`: atomic writes and crash points; where everything lives.
- `storage`, `lease`: a local folder or an object-store prefix behind one Path API; the one-writer
  lease an object store gets instead of a file lock.
"""

from tasks.errors import OutputLockedError, SchemaVersionError  # noqa: F401 - raised here, caught by callers as io.*
from tasks.io.commits import (clear_dataset, commit_record_path, discard_staged, last_commit, output_lock,
                              publish_staged, recover_staged, remove_temporary_files)
from tasks.io.files import CRASH_AT_ENV, atomic_write, crash_point, read_json, read_text, write_json, write_text
from tasks.io.inputs import (Batch, BatchPlan, Fingerprint, InputFile, StoredObject, discover_inputs,
                             display_path, fingerprint, input_exists, iter_inputs, jsonl_records, ledger_key, read_files,
                             read_gold, read_identities, read_input, read_inputs, read_page_gold, record_count,
                             source_name)
from tasks.io.layout import (COMMIT_MARKER, COMMITS_DIR, CONTRACT_FILE, EMPTY_PART, LOCK_FILE, NULL_PARTITION,
                             REBUILT_PART, RUNS_DIR, STAGING_DIR, STATE_DIR, UnsafePathError, run_dir, safe_join,
                             staging_dir, state_dir)
from tasks.io.maintenance import (check_contract, compact, read_contract, read_every_table, rewrite_every_table,
                                  run_inputs, write_contract)
from tasks.io.queries import open_duckdb
from tasks.io.storage import is_remote, is_url, local_folder, location, output_root, upload_tree
from tasks.io.state import NearDuplicateStore
from tasks.io.tables import (ROW_GROUP_ROWS, TARGET_FILE_ROWS, existing_keys, parquet_row_count, partition_dir,
                             read_state, read_table, replace_table, state_files, table_exists, table_files,
                             table_glob, write_state, write_table)
from tasks.schemas import PRIMARY_KEYS, TABLES, polars_schema  # noqa: F401 - the tables io reads and writes
