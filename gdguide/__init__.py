"""gdguide: gradient descent, exploding/vanishing gradients and gradient clipping in numpy.

Every public name except the figures is importable from the package itself (`from gdguide import
clip_by_global_norm`); the modules group them by topic:

- `gdguide.problems`: objectives with exact gradients and Hessians, and a gradient check;
- `gdguide.descent`: the descent runner and its trajectory record;
- `gdguide.clipping`: clipping by value, norm, global norm, AGC, per example, AutoClip;
- `gdguide.optimizers`: SGD, momentum, Nesterov, AdaGrad, RMSprop, Adam, AdamW;
- `gdguide.stability`: Hessian eigenvalues, the stable learning rate, learning-rate sweeps;
- `gdguide.nets`: a numpy MLP and RNN with backpropagation and gradient-norm reports;
- `gdguide.layers`: layer and batch norm, residual blocks, LSTM and GRU cells, attention and a
  small transformer language model, each with its backward pass written out;
- `gdguide.monitor`: gradient-norm history, spikes, non-finite steps, clip rate;
- `gdguide.robustness`: input sensitivity (empirical Lipschitz estimates);
- `gdguide.stochastic`: seeded minibatches, per-example gradients, gradient-noise models;
- `gdguide.plotting`: the site's figures, labelled in Chinese or English (needs matplotlib);
  import them from there (`from gdguide.plotting import plot_wall`): they are not re-exported here.
"""

from importlib import metadata as _metadata

from gdguide import (
    clipping,
    descent,
    layers,
    monitor,
    nets,
    optimizers,
    plotting,
    problems,
    robustness,
    stability,
    stochastic,
)
from gdguide._deprecation import deprecated_names as _deprecated_names
from gdguide.clipping import *  # noqa: F403
from gdguide.descent import *  # noqa: F403
from gdguide.layers import *  # noqa: F403
from gdguide.monitor import *  # noqa: F403
from gdguide.nets import *  # noqa: F403
from gdguide.optimizers import *  # noqa: F403
from gdguide.problems import *  # noqa: F403
from gdguide.robustness import *  # noqa: F403
from gdguide.stability import *  # noqa: F403
from gdguide.stochastic import *  # noqa: F403

try:
    #: The installed distribution's version: written once, in pyproject.toml.
    __version__ = _metadata.version("gdguide")
except _metadata.PackageNotFoundError:  # the source tree on sys.path without an install
    __version__ = "0+unknown"

__all__ = sorted(
    {
        *clipping.__all__,
        *descent.__all__,
        *layers.__all__,
        *monitor.__all__,
        *nets.__all__,
        *optimizers.__all__,
        *problems.__all__,
        *robustness.__all__,
        *stability.__all__,
        *stochastic.__all__,
    }
)

#: Old spellings, served with a DeprecationWarning: the names before `lr` became `learning_rate`,
#: and the figures, which `gdguide` re-exported before 0.2 (they live in `gdguide.plotting`).
__getattr__ = _deprecated_names(
    __name__,
    {
        "max_stable_lr": "gdguide.max_stable_learning_rate",
        "lr_sweep": "gdguide.learning_rate_sweep",
        "LRSweepResult": "gdguide.LearningRateSweepResult",
        "plot_lr_sweep": "gdguide.plotting.plot_learning_rate_sweep",
        **{name: f"gdguide.plotting.{name}" for name in plotting.__all__},
    },
)
