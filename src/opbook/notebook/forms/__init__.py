"""Config forms: the run config of a job (or an op's, a resource's config) as ipywidgets.

:class:`ConfigForm` is generated from the schema's description (:func:`opbook.config.describe`),
one widget family per kind of config type, and validated by the engine after every change.
:func:`schema_for` gives the schema a form of a job, pipeline, graph, op or resource edits.

Modules: :mod:`.form` (the form), :mod:`.nodes` (the value tree behind it, with
:mod:`.host` and :mod:`.values`), one module per widget family (:mod:`.scalars`,
:mod:`.groups`, :mod:`.selectors`, :mod:`.arrays`, :mod:`.unions`; :mod:`.build` says which
shows which type), :mod:`.yaml_view`, :mod:`.problems` (validation shown beside fields),
:mod:`.target` (what a form edits), :mod:`.theme` (shared looks), :mod:`.inputs` (typed input
widgets for running one op).
"""

from __future__ import annotations

from opbook.notebook.forms.form import ConfigForm
from opbook.notebook.forms.problems import Problem
from opbook.notebook.forms.target import FormTarget, schema_for

__all__ = ["ConfigForm", "FormTarget", "Problem", "schema_for"]
