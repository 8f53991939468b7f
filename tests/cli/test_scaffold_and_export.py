"""``opbook config-scaffold`` and ``opbook export``."""

from __future__ import annotations

import importlib.util

import pytest
import yaml

import opbook
from opbook.definitions.reconstructable import ReconstructablePipeline

SCAFFOLD_JOB = """
    from opbook import Field, job, op, resource

    @resource(config_schema={"url": Field(str, is_secret=True, default_value="postgres://db")})
    def db(init_context):
        return init_context.resource_config["url"]

    @op(config_schema={"n": int, "label": Field(str, default_value="x")},
        required_resource_keys={"db"})
    def first(context):
        return context.op_config["n"]

    @op
    def second(x):
        return x

    @job(resource_defs={"db": db})
    def needs_config():
        second(first())
"""


def _skeleton(text: str) -> object:
    assert text.startswith("# Run config for job")
    return yaml.safe_load(text)


def test_the_skeleton_fills_defaults_placeholders_and_masks_secrets(cli, files):
    files.write("scaffold_jobs.py", SCAFFOLD_JOB)

    ran = cli("config-scaffold", "scaffold_jobs.py")

    assert ran.code == 0, ran.err
    assert _skeleton(ran.out) == {
        "ops": {"first": {"config": {"n": 0, "label": "x"}}},
        "resources": {"db": {"config": {"url": "***"}}},
    }
    assert "postgres://db" not in ran.out


def test_the_skeleton_once_filled_in_runs(cli, files):
    files.write("scaffold_jobs.py", SCAFFOLD_JOB)
    skeleton = _skeleton(cli("config-scaffold", "scaffold_jobs.py").out)
    skeleton["resources"]["db"]["config"]["url"] = "postgres://real"  # type: ignore[index]
    files.write("filled.yaml", yaml.safe_dump(skeleton))

    ran = cli("run", "scaffold_jobs.py", "-c", "filled.yaml")

    assert ran.code == 0, ran.err


def test_all_shows_the_engines_sections_and_every_entry(cli, files):
    files.write("scaffold_jobs.py", SCAFFOLD_JOB)

    value = _skeleton(cli("config-scaffold", "scaffold_jobs.py", "--all").out)

    assert isinstance(value, dict)
    assert {"execution", "loggers", "intermediate_storage", "ops", "resources"} <= set(value)
    assert "second" in value["ops"]


def test_a_job_that_needs_no_config_gets_an_empty_skeleton(cli, files):
    files.write(
        "plain.py",
        "from opbook import job, op\n\n@op\ndef o():\n    pass\n\n@job\ndef plain():\n    o()\n",
    )

    ran = cli("config-scaffold", "plain.py")

    assert ran.code == 0
    assert yaml.safe_load(ran.out) == {}


def _import(path: str, name: str) -> object:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_export_writes_an_importable_module_with_the_ops_and_jobs(cli, files, numbers_cells):
    files.notebook("nb.ipynb", numbers_cells)

    ran = cli("export", "nb.ipynb", "-o", "numbers_module.py")

    assert ran.code == 0, ran.err
    assert ran.out.strip() == (
        "Wrote 4 definitions (load, scale, total, numbers) to numbers_module.py"
    )
    module = _import(str(files.root / "numbers_module.py"), "numbers_module_export_test")
    job = module.numbers  # type: ignore[attr-defined]
    result = job.execute_in_process({"ops": {"scale": {"config": {"factor": 2}}}})
    assert result.output_for_node("total") == 16


def test_the_exported_job_is_reconstructable(cli, files, numbers_cells):
    files.notebook("nb.ipynb", numbers_cells)
    cli("export", "nb.ipynb", "-o", "recon_module.py")

    recon = ReconstructablePipeline.for_file(str(files.root / "recon_module.py"), "numbers")

    assert recon.get_definition().name == "numbers"
    assert isinstance(opbook.reconstructable(recon.get_definition()), ReconstructablePipeline)


@pytest.mark.slow
def test_the_exported_module_runs_from_the_command_line_on_worker_processes(
    cli, files, numbers_cells
):
    files.notebook("nb.ipynb", numbers_cells)
    cli("export", "nb.ipynb", "-o", "mp_module.py")
    files.write("factor.yaml", "ops: {scale: {config: {factor: 3}}}")

    ran = cli("run", "mp_module.py", "-c", "factor.yaml", "--executor", "multiprocess")

    assert ran.code == 0, ran.err
    assert "of job numbers: SUCCESS, 3 succeeded" in ran.out


def test_export_keeps_constants_and_jobs_made_by_assignment(cli, files):
    files.notebook(
        "rates.ipynb",
        [
            "%load_ext opbook",
            "import opbook\nRATE = 3",
            "%%op\ndef convert() -> int:\n    return 10 * RATE\n",
            "%%graph pricing\nconvert()\n",
            "prod = pricing.to_job(name='prod')",
        ],
    )

    ran = cli("export", "rates.ipynb", "-o", "rates_module.py")

    assert ran.code == 0, ran.err
    assert ran.out.strip() == (
        "Wrote 3 definitions (convert, pricing, prod) and what they use (RATE) to rates_module.py"
    )
    module = _import(str(files.root / "rates_module.py"), "rates_module_export_test")
    assert module.prod.execute_in_process().output_for_node("convert") == 30  # type: ignore[attr-defined]


def test_export_of_a_module_that_does_not_import_fails(cli, files):
    files.notebook(
        "broken.ipynb",
        [
            "%load_ext opbook",
            "globals()['SCHEMA'] = {'n': int}",
            "%%op --config SCHEMA\ndef count() -> int:\n    return 1\n",
        ],
    )

    ran = cli("export", "broken.ipynb", "-o", "broken_module.py")

    assert ran.code != 0 and ran.out == ""
    assert ran.err.startswith(
        "opbook: error: wrote broken_module.py, but it does not import: "
        "NameError: name 'SCHEMA' is not defined"
    )


def test_export_needs_a_notebook_and_a_writable_output(cli, files, numbers_cells):
    files.notebook("nb.ipynb", numbers_cells)
    files.write("plain.py", "x = 1\n")

    not_notebook = cli("export", "plain.py", "-o", "out.py")
    unwritable = cli("export", "nb.ipynb", "-o", str(files.root / "missing_dir" / "out.py"))
    no_output = cli("export", "nb.ipynb")

    assert not_notebook.code == 2
    assert not_notebook.err.strip() == "opbook: error: plain.py: export reads a notebook (.ipynb)"
    assert unwritable.code == 2
    assert unwritable.err.startswith("opbook: error: could not write ")
    assert no_output.code == 2
    assert "-o/--output" in no_output.err


LEGACY_PY = """
    from opbook import pipeline, solid

    @solid
    def one(_):
        return 1

    @solid
    def boom(_, x):
        raise ValueError("boom")

    @pipeline
    def legacy():
        boom(one())
"""


def test_all_keeps_output_values_on_disk_so_a_failed_run_can_be_reexecuted(cli, files):
    files.write("legacy.py", LEGACY_PY)
    skeleton = cli("config-scaffold", "legacy.py", "--all").out
    files.write("all.yaml", skeleton)

    failed = cli("run", "legacy.py", "-c", "all.yaml")
    again = cli(*failed.err.strip().splitlines()[-1].split(": ", 1)[1].split()[1:])

    assert yaml.safe_load(skeleton)["intermediate_storage"] == {"filesystem": {}}
    assert failed.code == 1
    assert again.out.splitlines()[1].split()[:2] == ["one", "reused"]
