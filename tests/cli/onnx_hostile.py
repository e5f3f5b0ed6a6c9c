# Writes corrupt and hostile .onnx files for tests/cli/onnx_hostile_test.sh, with a protobuf
# encoder of a few lines (Python's standard library only), and prints "FILE<TAB>EXPECTED" per file:
# the part of the one error line `minicnn import` must print for it.
#   /usr/bin/python3 onnx_hostile.py GOOD.onnx OUT_DIR
import os, sys

good, out = sys.argv[1], sys.argv[2]


def varint(n):
    b = bytearray()
    while n >= 0x80:
        b.append(n & 0x7F | 0x80)
        n >>= 7
    return bytes(b + bytes([n]))


def ld(field, payload):  # a length-delimited field: a message, a string or a packed list
    payload = payload.encode() if isinstance(payload, str) else payload
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def num(field, value):
    return varint(field << 3) + varint(value)


# ONNX's field numbers (onnx/onnx.proto)
def model(graph, opset=13):
    return num(1, 7) + ld(8, num(2, opset)) + ld(7, graph)


def tensor_type(dims):  # ValueInfoProto.type: a float tensor; None is the symbolic batch size
    shape = b"".join(ld(1, ld(2, "N") if d is None else num(1, d)) for d in dims)
    return ld(2, ld(1, num(1, 1) + ld(2, shape)))


def value(name, dims):
    return ld(1, name) + tensor_type(dims)


def node(op, inputs, outputs, name, attributes=b""):
    return b"".join(ld(1, i) for i in inputs) + b"".join(ld(2, o) for o in outputs) + ld(3, name) + ld(4, op) + attributes


def graph(nodes, initializers=b"", output="y"):
    return b"".join(ld(1, n) for n in nodes) + initializers + ld(11, value("x", [None, 1, 4, 4])) + ld(12, value(output, [None, 1, 4, 4]))


cases = []


def write(name, data, expected):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    cases.append((name, expected))


relu = node("Relu", ["x"], ["y"], "relu")
write("cycle.onnx", model(graph([node("Relu", ["b"], ["a"], "r1"), node("Relu", ["a"], ["b"], "r2")], output="b")),
      "node 'r1' (Relu): reads 'b' before node 'r2' (Relu) writes it: the nodes are out of order or form a cycle")
write("dangling.onnx", model(graph([node("Relu", ["ghost"], ["y"], "r1")])),
      "node 'r1' (Relu): reads 'ghost', which no node, initializer or graph input defines")
# a 100000 x 100000 x 3 x 3 conv weight with 4 bytes of data
weight = ld(5, num(1, 100000) + num(1, 100000) + num(1, 3) + num(1, 3) + num(2, 1) + ld(8, "w") + ld(9, b"\0\0\0\0"))
write("huge_tensor.onnx", model(graph([node("Conv", ["x", "w"], ["y"], "conv")], weight)),
      "initializer 'w' has 4 bytes of data, but its dims [100000, 100000, 3, 3] need 360000000000")
# dims of 2 GiB of floats with 8 KiB of data: big enough to be left in the file by the parse, so
# its size is checked from where it lies there
weight = ld(5, num(1, 1 << 29) + num(2, 1) + ld(8, "w") + ld(9, bytes(8192)))
write("declared_2gb.onnx", model(graph([node("Conv", ["x", "w"], ["y"], "conv")], weight)),
      "initializer 'w' has 8192 bytes of data, but its dims [536870912] need 2147483648")
weight = ld(5, num(1, 1 << 40) + num(1, 1 << 40) + num(2, 1) + ld(8, "w") + ld(9, b"\0\0\0\0"))
write("overflowing_dims.onnx", model(graph([node("Conv", ["x", "w"], ["y"], "conv")], weight)),
      "initializer 'w' declares dims [1099511627776, 1099511627776], more values than any file can hold")
write("wrong_wire_type.onnx", num(1, 7) + ld(8, num(2, 13)) + num(7, 5), "holds no graph")  # the graph as a number
kernel_as_float = ld(5, ld(1, "kernel_shape") + varint(2 << 3 | 5) + b"\0\0\x40\x40" + num(20, 1))  # f = 3.0, type FLOAT
weight = ld(5, num(1, 1) + num(1, 1) + num(1, 3) + num(1, 3) + num(2, 1) + ld(8, "w") + ld(9, bytes(36)))
write("wrong_attribute_type.onnx", model(graph([node("Conv", ["x", "w"], ["y"], "conv", kernel_as_float)], weight)),
      "node 'conv' (Conv): attribute 'kernel_shape' is FLOAT, expected INTS")
write("unknown_op.onnx", model(graph([node("Einsum", ["x"], ["y"], "mix")])),
      "node 'mix' (Einsum): minicnn has no layer for this operator")
external = ld(5, num(1, 4) + num(2, 1) + ld(8, "w") + ld(13, ld(1, "location") + ld(2, "../../etc/passwd")) + num(14, 1))
write("external_data.onnx", model(graph([relu], external)), "initializer 'w' keeps its data in an external file")  # even unused
write("old_opset.onnx", model(graph([node("Add", ["x", "x"], ["y"], "add")]), opset=6),
      "uses opset 6; minicnn reads opsets 7 to 17, and older files whose operators are as in opset 7, which node 'add' (Add) is not")
# 5 million empty nodes: 10 MB of file, about 760 MB of NodeProto objects once parsed
write("empty_nodes.onnx", num(1, 7) + ld(8, num(2, 13)) + ld(7, b"\x0a\x00" * 5_000_000),
      "is not a usable ONNX model: reading it would take more than")
# 20 million 1-byte dims in one packed field: 20 MB of file, 8-byte integers in memory
write("packed_dims.onnx", num(1, 7) + ld(8, num(2, 13)) + ld(7, ld(5, ld(1, b"\x01" * 20_000_000))),
      "is not a usable ONNX model: reading it would take more than")
deep = b""
for _ in range(2000):  # Graph.node -> Node.attribute -> Attribute.g -> Graph ...
    deep = ld(1, ld(5, ld(6, deep)))
write("deep.onnx", num(1, 7) + ld(8, num(2, 13)) + ld(7, deep), "is not a usable ONNX model: messages nested deeper than 32")
whole = open(good, "rb").read()
write("truncated.onnx", whole[: len(whole) // 2], "(the file is truncated or damaged)")
write("not_onnx.onnx", b"\x89PNG\r\n\x1a\n" + bytes(100), "is not an ONNX file (it starts like a PNG image)")
write("empty.onnx", b"", "is empty; expected an ONNX model")
for name, expected in cases:
    print(f"{name}\t{expected}")
