"""Shards in worker processes and on a Dask cluster write exactly what one process writes."""

import polars as pl
import pytest

from conftest import SEEDS, read
from flows.news_pipeline import news_pipeline
from tasks.schemas import PRIMARY_KEYS, TABLES


def tables(output) -> dict[str, pl.DataFrame]:
    # run_id and source_path name the run and the input copy, not what was extracted.
    return {name: read(output, name).drop("run_id", "source_path", strict=False).sort(list(PRIMARY_KEYS[name]))
            for name in TABLES}


def assert_same_tables(output, expected_output):
    got, expected = tables(output), tables(expected_output)
    for name in TABLES:
        assert got[name].equals(expected[name]), name


def test_two_worker_processes_write_what_one_process_writes(seeds_run, tmp_path):
    expected_output, _ = seeds_run
    manifest = news_pipeline(inputs=[str(SEEDS)], output_dir=str(tmp_path), workers=2, shard_size=1)
    assert manifest["workers"] == 2 and manifest["rows_total"]["documents"] == 2
    assert_same_tables(tmp_path, expected_output)


def test_a_dask_cluster_writes_what_one_process_writes(seeds_run, tmp_path):
    distributed = pytest.importorskip("distributed")
    expected_output, _ = seeds_run
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        news_pipeline(inputs=[str(SEEDS)], output_dir=str(tmp_path), shard_size=1,
                      dask_address=cluster.scheduler_address)
    assert_same_tables(tmp_path, expected_output)


def test_a_document_that_breaks_extraction_is_quarantined_alone(tmp_path, monkeypatch):
    import flows.news_pipeline as pipeline

    real = pipeline.extract_numbers

    def fails_on_seed_000(doc_ids, docs, parse):
        if any(doc.text.startswith("Russian President Vladimir Putin signed treaties") for doc in docs):
            raise RuntimeError("injected failure")
        return real(doc_ids, docs, parse)

    monkeypatch.setattr(pipeline, "extract_numbers", fails_on_seed_000)
    # Both seeds in one shard: the shard fails, is retried one document at a time, and only the
    # document that fails again is quarantined.
    manifest = news_pipeline(inputs=[str(SEEDS)], output_dir=str(tmp_path), shard_size=2)
    quarantine = read(tmp_path, "quarantine")
    assert quarantine["reason"].to_list() == ["extraction_error"]
    assert "injected failure" in quarantine["detail"][0]
    documents = read(tmp_path, "documents")
    assert documents.height == 1 and documents["dateline"][0] == "MOSCOW, Russia"
    assert set(read(tmp_path, "entities")["doc_id"]) == set(documents["doc_id"])
    assert manifest["conserved"]
    extract = next(s for s in manifest["stages"] if s["stage"] == "extract")
    assert (extract["in"], extract["out"], extract["quarantined"]) == (2, 1, 1)


def test_a_rerun_after_a_failed_run_reuses_the_shards_it_finished(tmp_path, monkeypatch):
    import flows.news_pipeline as pipeline

    def link_fails(*args, **kwargs):
        raise RuntimeError("crash after extraction")

    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "link_entities", link_fails)
        with pytest.raises(RuntimeError, match="crash after extraction"):
            news_pipeline(inputs=[str(SEEDS)], output_dir=str(tmp_path), shard_size=1)
    assert len(list((tmp_path / "_checkpoints").glob("*/_COMPLETE"))) == 2
    assert not (tmp_path / "documents").exists()

    def must_not_run(*args, **kwargs):
        raise AssertionError("a checkpointed shard was extracted again")

    monkeypatch.setattr(pipeline, "annotate_text", must_not_run)
    manifest = news_pipeline(inputs=[str(SEEDS)], output_dir=str(tmp_path), shard_size=1)
    assert manifest["rows_total"]["documents"] == 2 and manifest["rows_total"]["numbers"] > 20
    assert not (tmp_path / "_checkpoints").exists()
