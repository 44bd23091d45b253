module grpcwire/conformance

go 1.26.0

replace grpcwire => ../
