/** @mesh/meshctl (being built). */
export const PACKAGE_NAME = '@mesh/meshctl';
