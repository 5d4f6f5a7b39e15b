"""How many OCR processes, and how many inference threads each (issue 21: memory on two cores)."""

from forms.settings import Settings


def test_one_ocr_process_per_two_cores_with_the_cores_shared_out(monkeypatch):
    for cores, processes, threads in ((1, 1, 1), (2, 1, 2), (3, 1, 3), (8, 4, 2)):
        monkeypatch.setattr("os.cpu_count", lambda cores=cores: cores)
        settings = Settings()
        assert (settings.ocr_process_count, settings.ocr_thread_count) == (processes, threads)
        # beside this process (which reads the text files meanwhile) wherever there is a core to spare
        assert settings.ocr_pooled == (cores > 1)
        # a process of the pool reads its own pages on its share of the cores, with no pool of its own
        inside = settings.one_ocr_process()
        assert (inside.ocr_process_count, inside.ocr_thread_count, inside.ocr_pooled) == (1, threads, False)


def test_processes_or_threads_stated_are_kept(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert (Settings(ocr_workers=8).ocr_process_count, Settings(ocr_workers=8).ocr_thread_count) == (8, 1)
    assert Settings(ocr_workers=1).ocr_thread_count == 1  # a Celery worker: its siblings use the other cores
    assert not Settings(ocr_workers=1).ocr_pooled and Settings(ocr_workers=2).ocr_pooled
    assert Settings(ocr_threads=3).ocr_thread_count == 3
    env = Settings.from_env({"GRADEDESK_OCR_WORKERS": "2", "GRADEDESK_OCR_THREADS": "2"})
    assert (env.ocr_process_count, env.ocr_thread_count) == (2, 2)
    assert Settings.from_env({}).ocr_threads is None
