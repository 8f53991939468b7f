"""From a job and its resolved config to an ``ExecutionPlan``.

``compile`` flattens a job's nested graph once (``compile_job`` -> ``CompiledJob``, built on
``flatten_graph`` -> ``FlatGraph``): ops by handle with their input sources followed through
graph boundaries, graph outputs resolved to op outputs, the resource closure and run-config
schema of the job.  ``plan`` turns a compiled job and a resolved run config into steps;
``dynamic`` resolves mapped steps at run time; ``selection`` is the grammar shared by op, solid
and step selections."""
