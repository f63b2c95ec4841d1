/*
 * Put before the Pub/Sub emulator's jar on its class path (tools/local-stack/src/emulator-grpc-patch.ts).
 *
 * The emulator jar (0.8.20, Cloud SDK 528) bundles a gRPC whose server (`ServerImpl`) calls
 * `InternalStatus.asRuntimeException(Status, Metadata, boolean)`, but whose bundled `InternalStatus`
 * lacks that method. Every stream that ends with a non-OK status, e.g. the StreamingPull of a
 * subscriber whose process died, throws NoSuchMethodError there, so the emulator never learns the
 * stream ended: it keeps counting it, keeps handing it the ordering keys that hash onto it, and those
 * keys stall until the stream's own deadline (30 minutes for the Node client). This class is the
 * bundled one plus the missing method, as newer gRPC has it.
 */
package io.grpc;

public final class InternalStatus {
  private InternalStatus() {}

  public static final Metadata.Key<String> MESSAGE_KEY = Status.MESSAGE_KEY;

  public static final Metadata.Key<Status> CODE_KEY = Status.CODE_KEY;

  public static StatusRuntimeException asRuntimeExceptionWithoutStacktrace(Status status, Metadata trailers) {
    return new InternalStatusRuntimeException(status, trailers);
  }

  public static StatusRuntimeException asRuntimeException(
      Status status, Metadata trailers, boolean fillInStackTrace) {
    return fillInStackTrace
        ? new StatusRuntimeException(status, trailers)
        : new InternalStatusRuntimeException(status, trailers);
  }
}
