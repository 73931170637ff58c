"""tg.save / tg.load: round trips, the file format, refusal of foreign and damaged files, atomicity."""

import io
import json
import math
import os
import pickle
import zipfile
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.serialization as serialization
from tinygrad_edu import Tensor
from tinygrad_edu.nn import Parameter

from ._report import case


def corrupt_file():
    """Counts one damaged or foreign file for the hardening report (failed if refusal fails)."""
    return case("corrupt files")


def assert_same(a, b, path="obj"):
    """Deep equality that also compares types, dtypes, shapes and dict key order."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape, f"{path}: {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        np.testing.assert_array_equal(a.data, b.data, err_msg=path)
        assert a.requires_grad == b.requires_grad, path
    elif isinstance(a, np.ndarray | np.generic):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b), path
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{path}: keys {list(a)} != {list(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), path
    else:
        assert a == b, path


def roundtrip(obj, tmp_path, name="ckpt.pt"):
    path = tmp_path / name
    tg.save(obj, path)
    return tg.load(path)


def mlp_state_dict():
    """What model.state_dict() of a Linear-BatchNorm-Linear model looks like (OrderedDict, detached)."""
    rng = np.random.default_rng(0)
    return OrderedDict(
        [
            ("0.weight", Tensor(rng.standard_normal((4, 3)).astype(np.float32))),
            ("0.bias", Tensor(rng.standard_normal(4).astype(np.float32))),
            ("1.running_mean", Tensor(np.zeros(4, np.float32))),
            ("1.num_batches_tracked", Tensor(np.array(7, dtype=np.int64))),
            ("2.weight", Tensor(rng.standard_normal((2, 4)).astype(np.float32))),
        ]
    )


def sgd_state_dict():
    return {
        "state": {0: {"momentum_buffer": Tensor(np.ones((4, 3), np.float32)), "step": Tensor(np.array(3.0))},
                  2: {"momentum_buffer": None}},
        "param_groups": [
            {"params": [0, 1, 2], "lr": 0.1, "momentum": 0.9, "betas": (0.9, 0.999), "nesterov": False,
             "foreach": None, "initial_lr": 1e-3},
        ],
    }


# ---------------------------------------------------------------- round trips
def test_checkpoint_of_model_and_optimizer_round_trips(tmp_path):
    ckpt = {"model": mlp_state_dict(), "opt": sgd_state_dict(), "epoch": 3, "name": "mlp"}
    out = roundtrip(ckpt, tmp_path)
    assert_same(ckpt, out)
    assert type(out["model"]) is OrderedDict
    assert list(out["opt"]["state"]) == [0, 2]  # int keys stay ints


def test_written_to_exactly_the_given_path(tmp_path):
    for name in ("model.pt", "model", "weights.pth.tar", "x.npz"):
        tg.save({"a": tg.ones(2)}, tmp_path / name)
    assert sorted(os.listdir(tmp_path)) == sorted(["model.pt", "model", "weights.pth.tar", "x.npz"])
    tg.save({"a": 1}, str(tmp_path / "as_string.ckpt"))
    assert tg.load(str(tmp_path / "as_string.ckpt")) == {"a": 1}


@pytest.mark.parametrize(
    "dtype", [np.float16, np.float32, np.float64, np.int8, np.uint8, np.int32, np.int64, np.bool_]
)
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 4), (2, 3, 1)])
def test_tensor_dtype_and_shape_preserved(tmp_path, dtype, shape):
    arr = (np.arange(int(np.prod(shape))).reshape(shape) % 3).astype(dtype)
    out = roundtrip({"t": Tensor(arr)}, tmp_path)["t"]
    assert isinstance(out, Tensor) and out.dtype == np.dtype(dtype) and out.shape == shape
    np.testing.assert_array_equal(out.numpy(), arr)


def test_numbers_strings_and_containers_round_trip(tmp_path):
    obj = [
        0, -(2**70), 1.5, float("inf"), float("-inf"), float("nan"), True, False, None, "", "µ-unicode ✓",
        (1, (2, [3])), [], (), {}, OrderedDict(), {(1, "a"): 2, None: 3, 1.5: 4, True: "t", "k": {"n": 1}},
    ]
    assert_same(obj, roundtrip(obj, tmp_path))


def test_numpy_arrays_and_scalars_stay_numpy(tmp_path):
    obj = {"arr": np.arange(6, dtype=np.int16).reshape(2, 3), "f": np.float64(2.5), "b": np.bool_(True),
           "i": np.int32(-4), "s": np.array(["ab", "c"])}
    out = roundtrip(obj, tmp_path)
    assert_same(obj, out)


def test_requires_grad_parameters_and_shared_tensors(tmp_path):
    w = Parameter(tg.randn(3, 2))
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    c = tg.tensor([1, 2])
    out = roundtrip({"w": w, "x": x, "c": c, "again": [w, c]}, tmp_path)
    assert isinstance(out["w"], Parameter) and out["w"].requires_grad and out["w"].is_leaf
    assert out["x"].requires_grad and type(out["x"]) is Tensor
    assert not out["c"].requires_grad
    assert out["again"][0] is out["w"] and out["again"][1] is out["c"]
    np.testing.assert_array_equal(out["w"].detach().numpy(), w.detach().numpy())
    # the file stores the shared tensors once
    with zipfile.ZipFile(tmp_path / "ckpt.pt") as z:
        assert len([n for n in z.namelist() if n.startswith("t")]) == 3


def test_loaded_tensors_are_independent_writable_copies(tmp_path):
    t = tg.tensor([1.0, 2.0])
    out = roundtrip({"t": t}, tmp_path)["t"]
    out.data[0] = 5.0
    assert t.numpy()[0] == 1.0


def test_namedtuple_loads_as_plain_tuple(tmp_path):
    P = namedtuple("P", "a b")
    assert roundtrip(P(1, 2.0), tmp_path) == (1, 2.0)
    assert type(roundtrip(P(1, 2.0), tmp_path)) is tuple


def test_bare_tensor_and_file_objects():
    buf = io.BytesIO()
    tg.save(tg.tensor([[1, 2]], dtype=tg.int64), buf)
    buf.seek(0)
    out = tg.load(buf)
    assert isinstance(out, Tensor) and out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), [[1, 2]])
    assert tg.load(io.BytesIO(buf.getvalue()), map_location="cpu").shape == (1, 2)


json_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**80), 2**80), st.floats(allow_nan=False), st.text(max_size=8)
)
tensors_st = st.builds(
    lambda shape, dtype, seed: Tensor((np.random.default_rng(seed).standard_normal(shape) * 5).astype(dtype)),
    st.lists(st.integers(0, 3), max_size=3).map(tuple),
    st.sampled_from([np.float32, np.float64, np.int64, np.bool_]),
    st.integers(0, 100),
)
trees = st.recursive(
    st.one_of(json_leaves, tensors_st),
    lambda kids: st.one_of(
        st.lists(kids, max_size=3),
        st.lists(kids, max_size=3).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=5), st.integers(-5, 5)), kids, max_size=3),
    ),
    max_leaves=8,
)


@given(obj=trees)
def test_any_supported_tree_round_trips(obj):
    buf = io.BytesIO()
    tg.save(obj, buf)
    assert_same(obj, tg.load(io.BytesIO(buf.getvalue())))


# ---------------------------------------------------------------- save errors
def test_unsupported_objects_are_refused_with_their_location(tmp_path):
    with pytest.raises(TypeError, match=r"obj\['opt'\]\[1\] of type set"):
        tg.save({"opt": [1, {2}]}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match="numpy array of Python objects"):
        tg.save({"a": np.array([object()])}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match="key of type Tensor"):
        tg.save({tg.ones(1): 1}, tmp_path / "x.pt")
    cyclic = []
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match="reference cycle"):
        tg.save(cyclic, tmp_path / "x.pt")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        tg.save({}, tmp_path / "no" / "such" / "dir.pt")
    assert not (tmp_path / "x.pt").exists()


# ---------------------------------------------------------------- the format: no pickle, plain npz + JSON
def test_file_is_a_plain_npz_with_json_structure(tmp_path):
    tg.save({"w": tg.ones(2, 3), "epoch": 4}, tmp_path / "m.pt")
    with np.load(tmp_path / "m.pt", allow_pickle=False) as npz:
        assert sorted(npz.files) == ["__tinygrad_edu__", "t0"]
        np.testing.assert_array_equal(npz["t0"], np.ones((2, 3), np.float32))
        header = json.loads(npz["__tinygrad_edu__"].tobytes().decode())
    assert header["format"] == "tinygrad_edu" and header["version"] == 1
    assert header["root"] == {"$dict": [["w", {"$tensor": "t0"}], ["epoch", 4]]}


# ---------------------------------------------------------------- refusing foreign and damaged files
def expect_refusal(path, match):
    with corrupt_file(), pytest.raises(RuntimeError, match=match) as info:
        tg.load(path)
    assert str(path) in str(info.value)


def test_pickle_files_are_refused_without_being_unpickled(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"model": Evil()}))
    expect_refusal(path, "pickle")
    assert not marker.exists()


def test_torch_save_files_are_refused(tmp_path):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: needed to write a torch.save file")
    path = tmp_path / "torch.pt"
    torch.save({"w": torch.ones(2)}, path)
    expect_refusal(path, "torch.save")


@pytest.mark.parametrize(
    "content, match",
    [
        (b"", "empty"),
        (b"R" + np.random.default_rng(0).bytes(63), "unrecognised"),
        (b"\x93NUMPY" + b"\x00" * 20, "single numpy .npy array"),
    ],
    ids=["empty", "random", "npy"],
)
def test_non_checkpoint_files_are_refused(tmp_path, content, match):
    path = tmp_path / "f.pt"
    path.write_bytes(content)
    expect_refusal(path, match)


def test_plain_npz_and_other_zips_are_refused(tmp_path):
    np.savez(tmp_path / "plain.npz", a=np.ones(3))
    expect_refusal(tmp_path / "plain.npz", "without the '__tinygrad_edu__' entry")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as z:
        z.writestr("hello.txt", "hi")
    expect_refusal(tmp_path / "other.zip", "not a tinygrad_edu checkpoint")


def test_bad_structure_entries_are_refused(tmp_path):
    def write(header, **arrays):
        path = tmp_path / "h.pt"
        payload = header if isinstance(header, bytes) else json.dumps(header).encode()
        with open(path, "wb") as f:
            np.savez(f, __tinygrad_edu__=np.frombuffer(payload, np.uint8), **arrays)
        return path

    def ours(root, version=1):
        return {"format": "tinygrad_edu", "version": version, "root": root}

    expect_refusal(write(b"{not json"), "not valid JSON")
    expect_refusal(write({"format": "other", "root": 1}), "not a tinygrad_edu header")
    expect_refusal(write(ours(1, version=99)), "format version 99")
    expect_refusal(write(ours({"$tensor": "t9"})), "missing array")
    expect_refusal(write(ours({"$what": 1})), "unknown element")
    expect_refusal(write(ours({"$dict": [[1]]})), "key, value")
    expect_refusal(write(ours({"$dict": [[{"$list": []}, 1]]})), "unhashable")
    expect_refusal(write(ours({"$tensor": "t0"}), t0=np.array(["a"])), "cannot hold")


def checkpoint_bytes():
    buf = io.BytesIO()
    tg.save({"model": mlp_state_dict(), "epoch": 3, "tag": "x", "lr": [0.1, (1, None)]}, buf)
    return buf.getvalue()


def test_every_truncation_is_refused(tmp_path):
    data = checkpoint_bytes()
    path = tmp_path / "t.pt"
    for n in list(range(0, 64)) + list(range(64, len(data), 7)) + [len(data) - 1]:
        path.write_bytes(data[:n])
        with corrupt_file(), pytest.raises(RuntimeError, match="t.pt"):
            tg.load(path)


def test_bit_flips_never_load_silently_different_content():
    data = checkpoint_bytes()
    original = tg.load(io.BytesIO(data))
    rng = np.random.default_rng(0)
    for pos in range(len(data)):
        damaged = bytearray(data)
        damaged[pos] ^= 1 << int(rng.integers(8))
        with corrupt_file():
            load_refused_or_identical(bytes(damaged), original)


def load_refused_or_identical(damaged, original):
    try:
        out = tg.load(io.BytesIO(damaged))
    except RuntimeError as e:
        assert "<BytesIO>" in str(e)
        return
    assert_same(original, out)  # a change in a byte nothing depends on may load; then identically


def test_overwritten_spans_never_load_silently_different_content():
    # damage of several bytes at once: random spans of the file replaced by random bytes
    data = checkpoint_bytes()
    original = tg.load(io.BytesIO(data))
    rng = np.random.default_rng(1)
    for _ in range(300):
        damaged = bytearray(data)
        start = int(rng.integers(len(data)))
        span = int(rng.integers(2, 64))
        damaged[start : start + span] = rng.bytes(len(damaged[start : start + span]))
        with corrupt_file():
            load_refused_or_identical(bytes(damaged), original)


def test_bit_flip_in_tensor_data_is_detected(tmp_path):
    arr = np.arange(64, dtype=np.float64)
    tg.save({"t": Tensor(arr)}, tmp_path / "c.pt")
    data = bytearray((tmp_path / "c.pt").read_bytes())
    pos = bytes(data).find(arr.tobytes()) + 100
    data[pos] ^= 0x10
    (tmp_path / "c.pt").write_bytes(bytes(data))
    expect_refusal(tmp_path / "c.pt", "corrupt")


# ---------------------------------------------------------------- atomic writes
def test_failure_mid_save_leaves_existing_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    tg.save({"epoch": 1, "w": tg.ones(3)}, path)
    before = path.read_bytes()

    def crash(f, arrays):
        f.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(serialization, "_write_npz", crash)
    with pytest.raises(KeyboardInterrupt):
        tg.save({"epoch": 2, "w": tg.zeros(3)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.pt"]  # no temporary file left behind
    assert tg.load(path)["epoch"] == 1


def test_save_replaces_existing_file_and_keeps_its_permissions(tmp_path):
    path = tmp_path / "model.pt"
    tg.save({"epoch": 1}, path)
    os.chmod(path, 0o640)
    tg.save({"epoch": 2}, path)
    assert tg.load(path) == {"epoch": 2}
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["model.pt"]


def test_new_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        tg.save({}, tmp_path / "new.pt")
    finally:
        os.umask(umask)
    assert os.stat(tmp_path / "new.pt").st_mode & 0o777 == 0o644


def test_state_dict_round_trip_loads_into_module(tmp_path):
    from tinygrad_edu import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = Parameter(tg.randn(3, 2))
            self.register_buffer("steps", tg.tensor(0))

    a, b = Net(), Net()
    with tg.no_grad():
        a.steps += 5
    tg.save(a.state_dict(), tmp_path / "net.pt")
    b.load_state_dict(tg.load(tmp_path / "net.pt"))
    np.testing.assert_array_equal(b.w.detach().numpy(), a.w.detach().numpy())
    assert b.steps.item() == 5
