"""The ways in: dispatch, the socket server, in-process transports, the control API,
user handlers."""
