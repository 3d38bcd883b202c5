/** @mesh/mixer (being built). */
export const PACKAGE_NAME = '@mesh/mixer';
