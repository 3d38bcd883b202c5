/** @mesh/citadel (being built). */
export const PACKAGE_NAME = '@mesh/citadel';
