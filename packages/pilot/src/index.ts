/** @mesh/pilot (being built). */
export const PACKAGE_NAME = '@mesh/pilot';
