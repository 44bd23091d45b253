module grpcwire

go 1.26
