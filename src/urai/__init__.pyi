"""Type stub of urai's lazily bound public API (see urai/__init__.py)."""

from urai._version import __version__ as __version__
from urai.corpus.clustering import ClusterConfig as ClusterConfig
from urai.corpus.clustering import cluster as cluster
from urai.corpus.local import BatchChecker as BatchChecker
from urai.corpus.local import check_many as check_many
from urai.detect.detector import CheckConfig as CheckConfig
from urai.detect.detector import CheckResult as CheckResult
from urai.detect.detector import Detector as Detector
from urai.detect.detector import Substitution as Substitution
from urai.detect.detector import check as check
from urai.detect.detector import restore as restore
from urai.detect.profile import Profile as Profile
from urai.detect.screener import Cascade as Cascade
from urai.detect.screener import Screener as Screener
from urai.detect.screener import ScreenResult as ScreenResult
from urai.detect.screener import screen as screen
from urai.errors import ConfigError as ConfigError
from urai.errors import InputError as InputError
from urai.errors import MissingDependencyError as MissingDependencyError
from urai.errors import ProcessingError as ProcessingError
from urai.errors import ResourceError as ResourceError
from urai.errors import UraiError as UraiError
from urai.lang.inventory import resources as resources
from urai.lang.tokenize import Token as Token
from urai.lang.tokenize import detokenize as detokenize
from urai.lang.tokenize import tokenize as tokenize
from urai.records import Record as Record
from urai.records import Rejection as Rejection
from urai.simulate.spinner import Spinner as Spinner
from urai.simulate.spinner import SpinResult as SpinResult
from urai.simulate.spinner import spin as spin
from urai.trace.align import Alignment as Alignment
from urai.trace.index import Index as Index
from urai.trace.index import IndexConfig as IndexConfig
from urai.trace.index import Match as Match
from urai.trace.index import TraceResult as TraceResult

__all__: list[str]
