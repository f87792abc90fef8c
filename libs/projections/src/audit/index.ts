export { auditChainProjection } from './audit-chain.projection';
export { GENESIS_HASH, chainHash, hashedDocument } from './chain-hash';
export { auditRow, linkAtOrBefore, readAuditHead, walkChain, type ChainLink, type ChainStep } from './audit-chain.queries';
export { verifyChain, type VerifyResult } from './verify';
export { chainIsCut, type AuditHead } from './audit-head';
