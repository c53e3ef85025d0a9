package dev.ckastream.extractor.onnx;

import dev.ckastream.extractor.onnx.ProtoWire.Writer;

import java.util.List;

import static dev.ckastream.extractor.onnx.OnnxGraph.*;

/** Encoders for the few ONNX messages the graph rewrite adds: nodes with int attributes and tensor value infos. */
public final class OnnxProtos {

    private OnnxProtos() {
    }

    /** An encoded AttributeProto of type INT. */
    public static Writer intAttribute(String name, long value) {
        return new Writer().string(ATTR_NAME, name).varint(ATTR_I, value).varint(ATTR_TYPE, ATTR_TYPE_INT);
    }

    /** An encoded NodeProto. */
    public static Writer node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                              Writer... attributes) {
        Writer w = new Writer();
        for (String in : inputs) {
            w.string(NODE_INPUT, in);
        }
        for (String out : outputs) {
            w.string(NODE_OUTPUT, out);
        }
        w.string(NODE_NAME, name).string(NODE_OP_TYPE, opType);
        for (Writer a : attributes) {
            w.message(NODE_ATTRIBUTE, a);
        }
        if (domain != null && !domain.isEmpty()) {
            w.string(NODE_DOMAIN, domain);
        }
        return w;
    }

    /**
     * An encoded ValueInfoProto of a tensor: {@code dims} null means no shape (unknown rank); elements are Long
     * (dim_value) or String (dim_param).
     */
    public static Writer tensorValueInfo(String name, int elemType, List<?> dims) {
        Writer tensor = new Writer().varint(TENSOR_TYPE_ELEM_TYPE, elemType);
        if (dims != null) {
            Writer shape = new Writer();
            for (Object d : dims) {
                Writer dim = new Writer();
                if (d instanceof Number n) {
                    dim.varint(DIM_VALUE, n.longValue());
                } else {
                    dim.string(DIM_PARAM, String.valueOf(d));
                }
                shape.message(SHAPE_DIM, dim);
            }
            tensor.message(TENSOR_TYPE_SHAPE, shape);
        }
        Writer type = new Writer().message(TYPE_TENSOR, tensor);
        return new Writer().string(VALUE_INFO_NAME, name).message(VALUE_INFO_TYPE, type);
    }
}
