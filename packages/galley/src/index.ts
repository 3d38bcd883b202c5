/** @mesh/galley (being built). */
export const PACKAGE_NAME = '@mesh/galley';
