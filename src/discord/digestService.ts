/** Placeholder until the digest commands land: the server digest and subscription services. */
export interface DigestService {
  readonly kind: 'digest-service';
}
