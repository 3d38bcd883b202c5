/** @mesh/sidecar (being built). */
export const PACKAGE_NAME = '@mesh/sidecar';
