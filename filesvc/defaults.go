package filesvc

// ChunkSize is how many bytes of a file one data message carries, in both
// directions (cmd/files sends uploads in chunks of this size, and the
// server sends downloads so). It is a measured choice; see
// BenchmarkChunkSize and the figures below it.
const ChunkSize = 256 << 10

// dataOverhead bounds what a data message holds besides its chunk: a
// field's tag and length (at most 1 + 10 bytes), with room to spare. A
// receive buffer of ChunkSize + dataOverhead holds any data message of a
// full chunk.
const dataOverhead = 64

// hashBufSize is the buffer for reading a file to compute its SHA-256 (a
// file put in the directory by other means, or an interrupted upload being
// continued): big enough that the system calls cost nothing next to the
// hashing.
const hashBufSize = 256 << 10
