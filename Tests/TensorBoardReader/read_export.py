"""What TensorBoard reads of a folder nnlab exported, as JSON on stdout:

{"runs": {RUN: {"scalars": {TAG: [[step, value, wall_time], ...]},
                "histograms": {TAG: [[step, num, sum of the buckets' counts, min, max], ...]}}},
 "experiment": {"hparams": {NAME: TYPE}, "metrics": [TAG, ...]},
 "sessions": [{"name": RUN, "hparams": {NAME: value}, "metrics": {TAG: value}, "status": N}]}

Scalars and histograms through EventAccumulator; the experiment and its sessions through the
HParams plugin's own handlers, over the data provider `tensorboard --logdir` serves from.
"""
import json
import os
import sys

from google.protobuf import json_format
from tensorboard import context
from tensorboard.backend.event_processing import data_provider
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.backend.event_processing import plugin_event_multiplexer
from tensorboard.plugins import base_plugin
from tensorboard.plugins.hparams import api_pb2, backend_context, get_experiment
from tensorboard.plugins.hparams import list_session_groups

logdir = sys.argv[1]
runs = {}
for name in sorted(os.listdir(logdir)):
    folder = os.path.join(logdir, name)
    if not os.path.isdir(folder):
        continue
    accumulator = event_accumulator.EventAccumulator(
        folder, size_guidance=event_accumulator.STORE_EVERYTHING_SIZE_GUIDANCE)
    accumulator.Reload()
    tags = accumulator.Tags()
    runs[name] = {
        "scalars": {
            tag: [[e.step, e.value, e.wall_time] for e in accumulator.Scalars(tag)]
            for tag in tags["scalars"]
        },
        "histograms": {
            tag: [
                [e.step, e.histogram_value.num, sum(e.histogram_value.bucket),
                 e.histogram_value.min, e.histogram_value.max]
                for e in accumulator.Histograms(tag)
            ]
            for tag in tags["histograms"]
        },
    }

multiplexer = plugin_event_multiplexer.EventMultiplexer(
    size_guidance={event_accumulator.TENSORS: 0})
multiplexer.AddRunsFromDirectory(logdir)
multiplexer.Reload()
provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
plugin_context = backend_context.Context(
    base_plugin.TBContext(data_provider=provider, logdir=logdir, multiplexer=multiplexer))
request_context = context.RequestContext()

experiment = get_experiment.Handler(
    request_context, plugin_context, "", api_pb2.GetExperimentRequest()).run()
request = api_pb2.ListSessionGroupsRequest(
    allowed_statuses=[api_pb2.STATUS_UNKNOWN, api_pb2.STATUS_SUCCESS,
                      api_pb2.STATUS_FAILURE, api_pb2.STATUS_RUNNING],
    start_index=0, slice_size=1_000_000)
groups = list_session_groups.Handler(request_context, plugin_context, "", request).run()

sessions = []
for group in groups.session_groups:
    for session in group.sessions:
        sessions.append({
            "name": session.name,
            "hparams": {
                key: json_format.MessageToDict(value) for key, value in group.hparams.items()
            },
            "metrics": {m.name.tag: m.value for m in session.metric_values},
            "status": session.status,
        })

print(json.dumps({
    "runs": runs,
    "experiment": {
        "hparams": {
            info.name: api_pb2.DataType.Name(info.type) for info in experiment.hparam_infos
        },
        "metrics": [info.name.tag for info in experiment.metric_infos],
    },
    "sessions": sessions,
}))
