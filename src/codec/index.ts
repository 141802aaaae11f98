/** The codec contract and every built-in codec (re-exported by the package's public API). */
export type { Codec, Decoder, FrameSink, OutputChunks, FrameOf, ReplyOf } from './codec';
export { FrameDecoder } from './frame-decoder';
export type { FrameOutput, FrameEmitter } from './frame-output';
export { raw, RawCodec } from './raw';
export { lines, LinesCodec, type LinesOptions } from './lines';
export { delimited, DelimitedCodec, type DelimitedOptions } from './delimited';
export { lengthPrefixed, LengthPrefixedCodec, type LengthPrefixedOptions, type LengthFieldLength, type LengthFieldLayout } from './length-prefixed';
export { netstring, NetstringCodec, type NetstringOptions } from './netstring';
export { jsonLines, JsonLinesCodec, type JsonLinesOptions } from './json-lines';
export { resp, RespCodec, type RespOptions, type RespOutput, type RespLimits } from './resp';
export { respSimple, respError, RespSimple, RespError, type RespReply } from './resp-reply';
export { words, field, routeBy, type Router, type RouterOptions, type RouterReplies, type FieldRouterOptions } from './router';
export { respCommand } from './resp-router';
