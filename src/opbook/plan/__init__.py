"""From a job and its resolved config to an ``ExecutionPlan``: one step per op invocation
(graphs are flattened), keyed by the op's handle, with each input's source resolved; plus the
selection grammar shared by op, solid and step selections."""
